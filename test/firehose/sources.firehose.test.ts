import { env, SELF } from "cloudflare:test"
import { describe, expect, it } from "vitest"
import { waitFor } from "./harness"
import type { FirehoseDO } from "../../src/entry/objects/FirehoseDO"

// Tap (webhook) and Jetstream (a FirehoseDO subscribed to a scripted Jetstream in Node) with messages in the
// formats those services send, through the real queue and indexer into D1.

const offerRow = (uri: string) =>
  env.DB.prepare("SELECT uri, cid, rev, note, hidden, indexed_at FROM offers_index WHERE uri = ?").bind(uri).first<{
    uri: string
    cid: string
    rev: string
    note: string | null
    hidden: number
    indexed_at: number
  }>()

const record = (note: string) => ({
  $type: "app.overlap.slotOffer",
  start: "2031-01-06T09:00:00.000Z",
  end: "2031-01-06T12:00:00.000Z",
  policy: "follower",
  tz: "America/New_York",
  note,
  createdAt: "2030-12-01T10:00:00.000Z"
})

const CID1 = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
const CID2 = "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a"

describe("Tap webhook", () => {
  const did = "did:plc:tapuser00000000000000000"
  const tap = (body: unknown, password = "tap-test-secret") =>
    SELF.fetch("http://firehose/tap/webhook", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${btoa(`admin:${password}`)}` },
      body: JSON.stringify(body)
    })
  const recordEvent = (id: number, action: "create" | "update" | "delete", rev: string, extra: Record<string, unknown>) => ({
    id,
    type: "record",
    record: { live: true, did, rev, collection: "app.overlap.slotOffer", rkey: "3ltapoffer0001", action, ...extra }
  })
  const uri = `at://${did}/app.overlap.slotOffer/3ltapoffer0001`

  it("refuses a post without Tap's credentials", async () => {
    const res = await tap(recordEvent(1, "create", "3ltaprev00001", { cid: CID1, record: record("x") }), "wrong")
    expect(res.status).toBe(401)
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic/)
    expect(await offerRow(uri)).toBeNull()
  })

  it("indexes Tap record and identity events, acknowledging each once it is enqueued", async () => {
    const created = await tap(recordEvent(101, "create", "3ltaprev00001", { cid: CID1, record: record("from tap") }))
    expect(created.status).toBe(200)
    expect(await created.json()).toMatchObject({ ok: true, id: 101, enqueued: 1 })
    await waitFor("the Tap create", () => offerRow(uri))

    expect((await tap(recordEvent(102, "update", "3ltaprev00002", { cid: CID2, record: record("updated by tap") }))).status).toBe(200)
    await waitFor("the Tap update", async () => (await offerRow(uri))?.note === "updated by tap")

    // a redelivered older event (Tap delivers at least once) changes nothing
    expect((await tap(recordEvent(101, "create", "3ltaprev00001", { cid: CID1, record: record("from tap") }))).status).toBe(200)

    // Tap's user event: suspended → hidden (a takedown deletes: accountDeletion.firehose.test.ts)
    const identity = (id: number, isActive: boolean, status: string) => ({
      id,
      type: "identity",
      identity: { did, handle: "tapuser.test", is_active: isActive, status }
    })
    expect((await tap(identity(103, false, "suspended"))).status).toBe(200)
    await waitFor("the Tap suspension", async () => (await offerRow(uri))?.hidden === 1)
    expect((await offerRow(uri))?.note).toBe("updated by tap")

    expect((await tap(recordEvent(104, "delete", "3ltaprev00003", {}))).status).toBe(200)
    await waitFor("the Tap delete", async () => (await offerRow(uri)) === null)
    const cursor = await env.DB.prepare("SELECT cursor FROM firehose_cursors WHERE source = 'tap'").first<{ cursor: number }>()
    expect(cursor?.cursor).toBe(104)
  })

  it("acknowledges (and counts) what it cannot use, so Tap does not retry it forever", async () => {
    const invalid = await tap(recordEvent(201, "create", "3ltaprev00009", { cid: CID1, record: { ...record("bad"), end: "2031-01-06T08:00:00.000Z" } }))
    expect(invalid.status).toBe(200)
    expect(await invalid.json()).toMatchObject({ enqueued: 0, invalid: 1 })
    const garbage = await tap({ id: "x", type: "record" })
    expect(garbage.status).toBe(200)
    expect(await garbage.json()).toMatchObject({ skipped: "undecodable" })
    const otherApp = await tap({ ...recordEvent(202, "create", "3ltaprev0000a", { cid: CID1, record: { text: "hi" } }), record: { live: true, did, rev: "3ltaprev0000a", collection: "app.bsky.feed.post", rkey: "3lpost", action: "create", cid: CID1, record: { text: "hi" } } })
    expect(await otherApp.json()).toMatchObject({ enqueued: 0 })
  })
})

describe("Jetstream source", () => {
  const firehose = env.FIREHOSE as unknown as DurableObjectNamespace<FirehoseDO>
  const did = "did:plc:jetstreamuser000000000000"
  const base = env.TEST_JETSTREAM_URL.replace(/^ws/, "http")
  const script = (messages: ReadonlyArray<unknown>) =>
    fetch(`${base}/script`, { method: "POST", body: JSON.stringify(messages) }).then((r) => expect(r.status).toBe(204))
  const commit = (time_us: number, operation: string, collection: string, rkey: string, rev: string, extra: Record<string, unknown> = {}) => ({
    did,
    time_us,
    kind: "commit",
    commit: { rev, operation, collection, rkey, ...extra }
  })
  const uri = (rkey: string) => `at://${did}/app.overlap.slotOffer/${rkey}`

  it("subscribes with wantedCollections, indexes commits, applies account events, and resumes from time_us", async () => {
    const t0 = 1_725_911_162_329_308
    await script([
      commit(t0 + 1, "create", "app.bsky.feed.post", "3lpost1", "3ljsrev00001", { cid: CID1, record: { $type: "app.bsky.feed.post", text: "hi", createdAt: "2024-09-09T19:46:02.102Z" } }),
      commit(t0 + 2, "create", "app.overlap.slotOffer", "3ljsoffer001", "3ljsrev00002", { cid: CID1, record: record("from jetstream") }),
      commit(t0 + 3, "create", "app.overlap.slotOffer", "3ljsoffer002", "3ljsrev00003", { cid: CID1, record: record("second") }),
      commit(t0 + 4, "update", "app.overlap.slotOffer", "3ljsoffer001", "3ljsrev00004", { cid: CID2, record: record("updated") }),
      commit(t0 + 5, "delete", "app.overlap.slotOffer", "3ljsoffer002", "3ljsrev00005"),
      { did, time_us: t0 + 6, kind: "identity", identity: { did, handle: "js.test", seq: 1409752997, time: "2024-09-05T06:11:04.870Z" } },
      { did, time_us: t0 + 7, kind: "account", account: { active: false, did, seq: 1409753013, status: "deactivated", time: "2024-09-05T06:11:04.870Z" } }
    ])
    const stub = firehose.get(firehose.idFromName("jetstream-test"))
    await stub.ensureRunning({ id: "jetstream-test", kind: "jetstream", url: `${env.TEST_JETSTREAM_URL}/subscribe` })

    const first = await waitFor("the updated offer", async () => {
      const row = await offerRow(uri("3ljsoffer001"))
      return row?.note === "updated" ? row : undefined
    })
    expect(first.cid).toBe(CID2)
    await waitFor("the deleted offer to go", async () => (await offerRow(uri("3ljsoffer002"))) === null)
    await waitFor("the deactivation", async () => (await offerRow(uri("3ljsoffer001")))?.hidden === 1)
    await waitFor("the cursor", async () => (await stub.status()).cursor === t0 + 7)

    const queries = (await (await fetch(`${base}/queries`)).json()) as Array<string>
    expect(new URLSearchParams(queries.at(-1)).get("wantedCollections")).toBe("app.overlap.*")

    // a restart resumes at the stored time_us: Jetstream replays that last event (>= cursor); it changes nothing
    const before = await stub.stop()
    await script([
      { did, time_us: t0 + 7, kind: "account", account: { active: false, did, seq: 1409753013, status: "deactivated", time: "2024-09-05T06:11:04.870Z" } },
      { did, time_us: t0 + 8, kind: "account", account: { active: true, did, seq: 1409753020, time: "2024-09-05T06:12:00.000Z" } }
    ])
    await stub.ensureRunning({ id: "jetstream-test", kind: "jetstream", url: `${env.TEST_JETSTREAM_URL}/subscribe` })
    await waitFor("the reactivation", async () => (await offerRow(uri("3ljsoffer001")))?.hidden === 0)
    const resumedAt = new URLSearchParams((((await (await fetch(`${base}/queries`)).json()) as Array<string>).at(-1)))
    expect(resumedAt.get("cursor")).toBe(String(t0 + 7))
    expect((await offerRow(uri("3ljsoffer001")))?.indexed_at).toBe(first.indexed_at)
    await waitFor("the cursor", async () => (await stub.status()).cursor === t0 + 8)
    expect((await stub.status()).counters.enqueued - before.counters.enqueued).toBe(2)
    await stub.stop()
  })

  it("indexes every operation of one commit: Jetstream sends them one by one, all with the commit's rev", async () => {
    const t0 = 1_725_911_262_000_000
    const rev = "3ljsmulti0001"
    await script([
      commit(t0 + 1, "create", "app.overlap.slotOffer", "3ljsmulti0a", rev, { cid: CID1, record: record("op a") }),
      commit(t0 + 2, "create", "app.overlap.slotOffer", "3ljsmulti0b", rev, { cid: CID1, record: record("op b") }),
      commit(t0 + 3, "create", "app.overlap.slotOffer", "3ljsmulti0c", rev, { cid: CID1, record: record("op c") }),
      // the same operation again (a relay's redelivery): dropped
      commit(t0 + 4, "create", "app.overlap.slotOffer", "3ljsmulti0b", rev, { cid: CID1, record: record("op b") })
    ])
    const stub = firehose.get(firehose.idFromName("jetstream-multiop"))
    await stub.ensureRunning({ id: "jetstream-multiop", kind: "jetstream", url: `${env.TEST_JETSTREAM_URL}/subscribe` })
    await waitFor("the cursor", async () => (await stub.status()).cursor === t0 + 4)
    for (const rkey of ["3ljsmulti0a", "3ljsmulti0b", "3ljsmulti0c"]) {
      await waitFor(`operation ${rkey}`, () => offerRow(uri(rkey)))
    }
    const status = await stub.status()
    expect(status.counters.enqueued).toBe(3)
    expect(status.counters.staleEvents).toBe(1)
    await stub.stop()
  })
})
