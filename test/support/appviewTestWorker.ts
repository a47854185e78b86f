// The AppView worker as deployed (its handlers and Durable Object classes), with two objects in a test-only
// subclass that adds what tests look at: the production classes carry no test hooks. vitest.workers.config.ts
// runs this module as the main worker, so wrangler.toml's class names bind these classes: a class added to
// wrangler.toml is exported here too, and a test hook for another object goes in a subclass here.
import { Effect, Layer } from "effect"
import { makePdsWriterTest } from "../../src/adapters/memory/PdsWriterTest"
import appview, { BookingDO, RateLimiterDO } from "../../src/entry/appview"
import type { TakeRequest } from "../../src/entry/objects/RateLimiterDO"
import type { PdsWriter, RecordWrite } from "../../src/services/PdsWriter"

export { HostMatchDO, UserConnectorDO } from "../../src/entry/appview"

export default appview

/** The public records this object handed to PdsWriter (a symbol, so not an RPC method). */
export const pdsWrites = Symbol.for("overlap/BookingDO/pdsWrites")

/** BookingDO whose PdsWriter keeps every write in memory, so a test can read what would be public. */
export class RecordingBookingDO extends BookingDO {
  readonly #pds = Effect.runSync(makePdsWriterTest)

  protected override pdsWriter(): Layer.Layer<PdsWriter> {
    return this.#pds.layer
  }

  async [pdsWrites](): Promise<ReadonlyArray<RecordWrite>> {
    return Effect.runPromise(this.#pds.writes)
  }
}

/** RateLimiterDO with its arithmetic at a given instant, and its bucket count, open to `runInDurableObject`. */
export class InspectableRateLimiterDO extends RateLimiterDO {
  override takeAt(bucket: string, request: TakeRequest, nowMs: number) {
    return super.takeAt(bucket, request, nowMs)
  }

  bucketCount(): number {
    return this.sql().exec<{ n: number }>("SELECT COUNT(*) AS n FROM buckets").one().n
  }
}

export { InspectableRateLimiterDO as RateLimiterDO, RecordingBookingDO as BookingDO }
