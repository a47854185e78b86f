import { listDurableObjectIds, runInDurableObject } from "cloudflare:test"
import type { DurableObject } from "cloudflare:workers"

// Durable Object alarms are outside the pool's isolated storage (workers-sdk#5388): popping a test's storage
// frame does not cancel them, so an alarm a test leaves behind fires on its own schedule — during a later
// test, or while the pool is popping this test's frame. The object it wakes opens its SQLite file again,
// the pop finds `<id>.sqlite-shm` next to it and the run fails with "Isolated storage failed … Expected
// .sqlite, got …sqlite-shm". A RateLimiterDO `take` arms such an alarm (the bucket's cleanup, due when the
// bucket is full again: 100 ms later for a bucket refilling 10 tokens a second).
//
// So a test that arms alarms deletes them before it returns. That must happen inside the test body:
// `afterEach` and `onTestFinished` run after the pool has popped the frame (workers-sdk#11690).

/** Namespaces of several classes, each typed by its own. */
type Namespaces<Objects extends ReadonlyArray<DurableObject>> = { readonly [I in keyof Objects]: DurableObjectNamespace<Objects[I]> }

/** Deletes the alarm of every object of `namespaces` that has storage in the current test. */
export const deleteAlarms = async <const Objects extends ReadonlyArray<DurableObject>>(...namespaces: Namespaces<Objects>): Promise<void> => {
  for (const namespace of namespaces) {
    for (const id of await listDurableObjectIds(namespace)) {
      await runInDurableObject(namespace.get(id), (_instance, state) => state.storage.deleteAlarm())
    }
  }
}

/** `body` as a test function that ends, pass or fail, by deleting the alarms of `namespaces`' objects. */
export const leavingNoAlarms =
  <const Objects extends ReadonlyArray<DurableObject>, Args extends Array<unknown>>(namespaces: Namespaces<Objects>, body: (...args: Args) => Promise<void>) =>
  async (...args: Args): Promise<void> => {
    try {
      await body(...args)
    } finally {
      await deleteAlarms<Objects>(...namespaces)
    }
  }
