import { env, SELF } from "cloudflare:test"
import { beforeAll, describe, expect, it } from "vitest"
import { client, waitFor } from "./harness"
import type { FirehoseDO, FirehoseStatus } from "../../src/entry/objects/FirehoseDO"
import type { IngestSource } from "../../src/domain/ingest/sources"

// The whole ingest path in workerd against a real local PDS: @atproto/api agents (in Node, driven through
// test/firehose/globalSetup.ts's /client endpoint: @atproto/api does not load in workerd) write records → the PDS
// firehose → FirehoseDO (outbound WebSocket, decode, filter, signature + MST proof) → index-tasks → the AppView's
// indexer → D1.

const firehose = env.FIREHOSE as unknown as DurableObjectNamespace<FirehoseDO>
const SOURCE_ID = "local-pds"
const object = () => firehose.get(firehose.idFromName(SOURCE_ID))
const source = (): IngestSource => JSON.parse(env.FIREHOSE_SOURCES!)[0]

interface Account {
  readonly did: string
}

const suffix = Math.random().toString(36).slice(2, 8)
const createAccount = (name: string) => client<Account>({ op: "createAccount", name: `${name}-${suffix}` })
const putRecord = (account: Account, collection: string, rkey: string, record: unknown) =>
  client<{ uri: string; cid: string }>({ op: "putRecord", did: account.did, collection, rkey, record })
const deleteRecord = (account: Account, collection: string, rkey: string) =>
  client({ op: "deleteRecord", did: account.did, collection, rkey })

interface OfferRow {
  uri: string
  cid: string
  rev: string
  start_at: number
  end_at: number
  note: string | null
  hidden: number
  indexed_at: number
}
const offerRow = (uri: string) => env.DB.prepare("SELECT * FROM offers_index WHERE uri = ?").bind(uri).first<OfferRow>()
const requestRow = (uri: string) =>
  env.DB.prepare("SELECT * FROM booking_requests WHERE uri = ?").bind(uri).first<{ uri: string; cid: string; host_did: string; hidden: number; indexed_at: number }>()

const hour = 3_600_000
const base = Date.parse("2030-05-06T09:00:00.000Z")
const offer = (startOffsetH: number, hours: number, note?: string) => ({
  $type: "app.overlap.slotOffer",
  start: new Date(base + startOffsetH * hour).toISOString(),
  end: new Date(base + (startOffsetH + hours) * hour).toISOString(),
  policy: "anyone",
  tz: "Europe/Berlin",
  ...(note !== undefined ? { note } : {}),
  createdAt: new Date().toISOString()
})
const bookingRequest = (hostDid: string, offerUri: string) => ({
  $type: "app.overlap.bookingRequest",
  hostDid,
  offerUri,
  constraints: { durationMin: 30, durationMax: 60, tz: "Europe/Berlin" },
  status: "pending",
  createdAt: new Date().toISOString()
})

const write = async (account: Account, collection: string, record: Record<string, unknown>, validate?: boolean) => {
  const res = await client<{ uri: string; cid: string }>({ op: "createRecord", did: account.did, collection, record, validate })
  return { uri: res.uri, cid: res.cid, rkey: res.uri.split("/").pop()! }
}

const status = (): Promise<FirehoseStatus> => object().status()

let host: Account
let guest: Account

beforeAll(async () => {
  // the route the cron and `npm run dev` use to start every configured source
  // a new test file reloads the worker: the pool invalidates a running FirehoseDO once ("please retry")
  const started = await waitFor("the firehose to (re)start", async () => {
    const res = await SELF.fetch("http://firehose/firehose/ensure", { method: "POST" }).catch(() => undefined)
    return res?.ok ? res : undefined
  })
  const { sources } = (await started.json()) as { sources: Array<FirehoseStatus> }
  expect(sources.map((s) => s.source?.id)).toEqual([SOURCE_ID])
  await waitFor("the firehose socket", async () => (await status()).connected)
  ;[host, guest] = await Promise.all([createAccount("host"), createAccount("guest")])
})

describe("firehose ingest from a real local PDS", () => {
  it("indexes creates, updates and deletes of slotOffer and bookingRequest within seconds", async () => {
    const written = Date.now()
    const o = await write(host, "app.overlap.slotOffer", offer(0, 8, "mornings"))
    const r = await write(guest, "app.overlap.bookingRequest", bookingRequest(host.did, o.uri))

    const indexedOffer = await waitFor("the offer in offers_index", () => offerRow(o.uri))
    expect(indexedOffer).toMatchObject({ cid: o.cid, start_at: base, end_at: base + 8 * hour, note: "mornings", hidden: 0 })
    const indexedRequest = await waitFor("the request in booking_requests", () => requestRow(r.uri))
    expect(indexedRequest).toMatchObject({ cid: r.cid, host_did: host.did, hidden: 0 })
    expect(Date.now() - written).toBeLessThan(5_000)

    // update: putRecord at the same rkey
    const updated = await putRecord(host, "app.overlap.slotOffer", o.rkey, offer(1, 4, "later"))
    const afterUpdate = await waitFor("the updated offer", async () => {
      const row = await offerRow(o.uri)
      return row?.cid === updated.cid ? row : undefined
    })
    expect(afterUpdate).toMatchObject({ start_at: base + hour, end_at: base + 5 * hour, note: "later" })
    expect(afterUpdate.rev > indexedOffer.rev).toBe(true)

    // delete
    await deleteRecord(guest, "app.overlap.bookingRequest", r.rkey)
    await waitFor("the request to be removed", async () => (await requestRow(r.uri)) === null)
    const tombstone = await env.DB.prepare("SELECT rev FROM record_tombstones WHERE uri = ?").bind(r.uri).first<{ rev: string }>()
    expect(tombstone).not.toBeNull()

    const s = await status()
    expect(s.counters.rejectedCommits).toBe(0)
    expect(s.counters.overlapCommits).toBeGreaterThanOrEqual(4)
  })

  it("indexes the event type a bookingRequest names (issue 15: an optional field added to the lexicon)", async () => {
    const o = await write(host, "app.overlap.slotOffer", offer(30, 2))
    const r = await write(guest, "app.overlap.bookingRequest", { ...bookingRequest(host.did, o.uri), eventType: "intro" })
    const row = await waitFor("the request in booking_requests", () => requestRow(r.uri))
    expect(row).toMatchObject({ cid: r.cid, host_did: host.did, event_type: "intro" })
    // a record without it (the lexicon before the field) is indexed as before
    const plain = await write(guest, "app.overlap.bookingRequest", bookingRequest(host.did, o.uri))
    expect(await waitFor("the plain request", () => requestRow(plain.uri))).toMatchObject({ event_type: null })
  })

  it("skips, counts and audits an invalid record (end before start, written with validate: false)", async () => {
    const before = (await status()).counters.invalidRecords
    const bad = await write(host, "app.overlap.slotOffer", { ...offer(5, 1), end: new Date(base).toISOString() }, false)
    // a valid record written after it: once it is indexed, the invalid one has been seen
    const sentinel = await write(host, "app.overlap.slotOffer", offer(10, 1, "sentinel"))
    await waitFor("the sentinel offer", () => offerRow(sentinel.uri))
    expect(await offerRow(bad.uri)).toBeNull()
    expect((await status()).counters.invalidRecords).toBe(before + 1)
    const audit = await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE actor_did = ? AND event_type = 'index.invalidRecord'")
      .bind(host.did)
      .first<{ n: number }>()
    expect(audit?.n).toBe(1)
  })

  it("hides a deactivated account's offers and shows them again on reactivation", async () => {
    const o = await write(host, "app.overlap.slotOffer", offer(20, 2))
    await waitFor("the offer", () => offerRow(o.uri))
    await client({ op: "deactivateAccount", did: host.did })
    await waitFor("the offer to be hidden", async () => (await offerRow(o.uri))?.hidden === 1)
    const user = await env.DB.prepare("SELECT status FROM users WHERE did = ?").bind(host.did).first<{ status: string }>()
    expect(user?.status).toBe("deactivated")
    await client({ op: "activateAccount", did: host.did })
    await waitFor("the offer to be shown again", async () => (await offerRow(o.uri))?.hidden === 0)
  })

  it("resumes from the stored cursor after a restart: nothing lost, nothing applied twice", async () => {
    const kept = await write(host, "app.overlap.slotOffer", offer(30, 2, "kept"))
    const doomed = await write(host, "app.overlap.slotOffer", offer(33, 2, "doomed"))
    const keptRow = await waitFor("the kept offer", () => offerRow(kept.uri))
    await waitFor("the doomed offer", () => offerRow(doomed.uri))

    const stopped = await object().stop()
    expect(stopped.connected).toBe(false)
    expect(stopped.cursor).not.toBeNull()
    const enqueuedBefore = stopped.counters.enqueued

    // written while no one listens
    const missed = await write(guest, "app.overlap.bookingRequest", bookingRequest(host.did, kept.uri))
    const late = await write(host, "app.overlap.slotOffer", offer(40, 1, "late"))
    await deleteRecord(host, "app.overlap.slotOffer", doomed.rkey)
    await new Promise((r) => setTimeout(r, 300))
    expect(await offerRow(late.uri)).toBeNull()

    await SELF.fetch("http://firehose/firehose/ensure", { method: "POST" })
    await waitFor("the missed request", () => requestRow(missed.uri))
    await waitFor("the late offer", () => offerRow(late.uri))
    await waitFor("the doomed offer to be removed", async () => (await offerRow(doomed.uri)) === null)

    // exactly the three writes made while stopped were enqueued, and the older row was not touched again
    await waitFor("the cursor to settle", async () => (await status()).counters.enqueued === enqueuedBefore + 3)
    expect((await offerRow(kept.uri))?.indexed_at).toBe(keptRow.indexed_at)
  })

  it("a rewound cursor replays the stream without applying anything twice", async () => {
    const o = await write(host, "app.overlap.slotOffer", offer(50, 1, "replayed"))
    await waitFor("the offer", () => offerRow(o.uri))
    const before = await object().stop()
    const snapshot = () =>
      env.DB.prepare(
        `SELECT uri, cid, indexed_at, hidden FROM offers_index WHERE did IN (?1, ?2)
         UNION ALL SELECT uri, cid, indexed_at, hidden FROM booking_requests WHERE guest_did IN (?1, ?2) ORDER BY uri`
      ).bind(host.did, guest.did).all()
    const rowsBefore = (await snapshot()).results
    expect(rowsBefore.length).toBeGreaterThanOrEqual(6)

    await object().setCursor(0)
    await object().ensureRunning(source())
    // the whole stream comes again: every app.overlap commit is not newer than its DID's last rev
    await waitFor("the replay to reach the end", async () => ((await status()).cursor ?? 0) >= before.cursor!, 15_000)
    const after = await status()
    expect(after.counters.staleEvents - before.counters.staleEvents).toBeGreaterThanOrEqual(10)
    // what passes again (identity/account events of known DIDs) is consumed without a write
    await new Promise((r) => setTimeout(r, 500))
    expect((await snapshot()).results).toEqual(rowsBefore)
  })

  it("a cursor ahead of the server (FutureCursor: the PDS was reset) replays the server's stream: a record written before the reconnect is indexed", async () => {
    await object().stop()
    // written while nothing listens, so only a replay can bring it in (the live tail would never see it)
    const o = await write(host, "app.overlap.slotOffer", offer(60, 1, "written before the reconnect"))
    const before = await status()
    await object().setCursor(1_000_000_000)
    await object().ensureRunning(source())
    await waitFor("the offer written before the reconnect", () => offerRow(o.uri), 15_000)
    const after = await status()
    expect(after.counters.futureCursor - before.counters.futureCursor).toBe(1)
    expect(after.cursor).not.toBeNull()
    expect(after.cursor!).toBeLessThan(1_000_000_000)
  })
})
