import { env, SELF } from "cloudflare:test"
import { beforeAll, describe, expect, it } from "vitest"
import { client, waitFor } from "./harness"
import type { FirehoseDO } from "../../src/entry/objects/FirehoseDO"

// An account its PDS deletes, through the whole ingest path: the PDS's operator deletes it (com.atproto.admin.
// deleteAccount) → the PDS firehose's #account event (active false, status deleted) → FirehoseDO → index-tasks → the
// AppView's indexer, which purges the account's indexed records, marks the DID deleted and (not observable in this
// worker, which has no calendar-tasks consumer) sends `account-deleted` for the rest: that step and the deletion it
// runs are tested in test/account/networkDeletion.workerd.test.ts. An account its PDS takes down (com.atproto.admin.
// updateSubjectStatus, #account status takendown) goes the same way (issue 17 item 4). A deactivated account is only
// hidden (ingest suite).

const firehose = env.FIREHOSE as unknown as DurableObjectNamespace<FirehoseDO>
const object = () => firehose.get(firehose.idFromName("local-pds"))

interface Account {
  readonly did: string
}

const offer = {
  $type: "app.overlap.slotOffer",
  start: "2030-06-03T09:00:00.000Z",
  end: "2030-06-03T12:00:00.000Z",
  policy: "anyone",
  tz: "UTC",
  createdAt: new Date().toISOString()
}

beforeAll(async () => {
  // a new test file reloads the worker: the pool invalidates a running FirehoseDO once ("please retry")
  await waitFor("the firehose to (re)start", async () => {
    const res = await SELF.fetch("http://firehose/firehose/ensure", { method: "POST" }).catch(() => undefined)
    return res?.ok ? res : undefined
  })
  await waitFor("the firehose socket", async () => (await object().status()).connected)
})

describe("an account deleted or taken down on its PDS", () => {
  it.each([["deleteAccount"], ["takedownAccount"]] as const)("%s: is purged from the index and marked deleted; a live neighbour's records stay", async (op) => {
    const suffix = Math.random().toString(36).slice(2, 8)
    const leaving = await client<Account>({ op: "createAccount", name: `leaving-${suffix}` })
    const staying = await client<Account>({ op: "createAccount", name: `staying-${suffix}` })
    const mine = await client<{ uri: string }>({ op: "createRecord", did: leaving.did, collection: "app.overlap.slotOffer", record: offer })
    const theirs = await client<{ uri: string }>({ op: "createRecord", did: staying.did, collection: "app.overlap.slotOffer", record: offer })
    const indexed = (uri: string) => env.DB.prepare("SELECT uri FROM offers_index WHERE uri = ?").bind(uri).first()
    await waitFor("both offers indexed", async () => (await indexed(mine.uri)) !== null && (await indexed(theirs.uri)) !== null)

    await client({ op, did: leaving.did })
    await waitFor("the account marked deleted", async () =>
      (await env.DB.prepare("SELECT status FROM users WHERE did = ?").bind(leaving.did).first<{ status: string }>())?.status === "deleted")
    expect(await indexed(mine.uri)).toBeNull()
    expect(await env.DB.prepare("SELECT count(*) AS n FROM offers_index WHERE did = ?").bind(leaving.did).first<{ n: number }>()).toEqual({ n: 0 })
    expect(await indexed(theirs.uri)).not.toBeNull()
  })
})
