// An account the network deleted or took down (a firehose `#account` event with status `deleted` or `takendown`) goes
// the same way as one its owner deleted, through the AppView worker's own queue handler over wrangler.toml's bindings: the index-tasks
// consumer purges the indexed records and sends `account-deleted` to calendar-tasks; the calendar-tasks consumer
// cancels the meeting ahead (the other person's calendar freed), removes the connector, the settings and the sign-in,
// and leaves the DID in `users` marked deleted and nothing else of it in D1, so a redelivered record is not indexed
// again. A redelivery of the task, or of the #account event, is acked and changes nothing. A suspended account is only
// hidden, and shown again when it is active.
import { env } from "cloudflare:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { LocalCalendarLive } from "../../src/adapters/d1/LocalCalendarLive"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { WebSessionsLive } from "../../src/adapters/d1/WebSessionsLive"
import { BookingLifecycleLive } from "../../src/adapters/objects/BookingLifecycleLive"
import { HoldStoreLive } from "../../src/adapters/objects/HoldStoreLive"
import appview from "../../src/entry/appview"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { BookingLifecycle } from "../../src/services/BookingLifecycle"
import { HoldStore } from "../../src/services/HoldStore"
import { WebSessions } from "../../src/services/WebSessions"
import { matchRequest, MIN, mondayAfter } from "../holds/fixtures"
import { deleteAlarms } from "../support/alarms"

const ME = "did:plc:networkdeleted00000000001"
const OTHER = "did:plc:networkstaying00000000001"
const monday = mondayAfter(Date.now())
const now = Date.now()

/** The worker's env with a calendar-tasks producer that keeps what is sent (the queue handler is called by the test). */
const sent: Array<unknown> = []
const testEnv = { ...env, CALENDAR_TASKS: { send: async (body: unknown) => void sent.push(body), sendBatch: async () => undefined } } as unknown as Env

let runtime: ManagedRuntime.ManagedRuntime<HoldStore | BookingLifecycle | WebSessions, never>
beforeAll(() => {
  const root = CloudflareEnv.layer(testEnv)
  runtime = ManagedRuntime.make(
    Layer.mergeAll(HoldStoreLive, BookingLifecycleLive, WebSessionsLive, LocalCalendarLive.pipe(Layer.provide(D1Live))).pipe(
      Layer.provide(RepositoriesLive.pipe(Layer.provideMerge(root)))
    )
  )
})
afterAll(async () => {
  await runtime?.dispose()
})

interface Delivered {
  readonly acked: boolean
  readonly retried: boolean
}

/** One message through the AppView's queue handler, as the runtime delivers it; answers what became of it. */
const deliver = async (queue: string, body: unknown, attempts = 1): Promise<Delivered> => {
  const outcome = { acked: false, retried: false }
  const message = {
    id: crypto.randomUUID(),
    timestamp: new Date(),
    attempts,
    body,
    ack: () => void (outcome.acked = true),
    retry: () => void (outcome.retried = true)
  }
  await appview.queue!({ queue, messages: [message], retryAll: () => undefined, ackAll: () => undefined } as unknown as MessageBatch<unknown>, testEnv)
  return outcome
}

const offerRecord = {
  $type: "app.overlap.slotOffer",
  start: "2030-01-01T09:00:00.000Z",
  end: "2030-01-01T10:00:00.000Z",
  policy: "anyone",
  tz: "UTC",
  createdAt: "2029-12-01T00:00:00.000Z"
}
const offerWrite = (rkey: string, rev: string) => ({
  source: "test",
  seenAt: now,
  event: { _tag: "create", did: ME, collection: "app.overlap.slotOffer", rkey, rev, cid: `cid-${rev}`, record: offerRecord }
})

const columnsNaming = async (value: string) => {
  const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>()
  const found: Array<string> = []
  for (const { name } of tables) {
    const { results: columns } = await env.DB.prepare(`PRAGMA table_info("${name}")`).all<{ name: string }>()
    // one query per table: for each column, whether any row's value contains `value`
    const hits = await env.DB.prepare(`SELECT ${columns.map((c, i) => `max(CAST("${c.name}" AS TEXT) LIKE ?1) AS c${i}`).join(", ")} FROM "${name}"`)
      .bind(`%${value}%`).first<Record<string, number | null>>()
    columns.forEach((c, i) => {
      if (hits?.[`c${i}`] === 1) found.push(`${name}.${c.name}`)
    })
  }
  return found.sort()
}

describe("an account deleted or taken down on the network (firehose #account, status deleted or takendown)", () => {
  it.each(["deleted", "takendown"])("%s: is deleted as its owner would: meeting ahead canceled, connector, settings and sessions gone, the DID kept only as deleted", async (status) => {
    sent.length = 0
    try {
      await deliver("index-tasks", offerWrite("o1", "3l0000000000a"))
      const match = await runtime.runPromise(Effect.flatMap(HoldStore, (store) =>
        store.match(matchRequest({ hostDid: OTHER, guestDid: ME, bookingId: "bk-net", earliest: monday + 9 * 60 * MIN, latest: monday + 10 * 60 * MIN }))))
      expect(match._tag).toBe("Held")
      await runtime.runPromise(Effect.flatMap(BookingLifecycle, (l) => l.finalize({ bookingId: "bk-net", callerDid: OTHER })))
      await runtime.runPromise(Effect.flatMap(WebSessions, (s) => s.create(ME, "vitest")))
      await env.DB.batch([
        `INSERT INTO connectors (id, did, provider, status, account_ref, token_ciphertext, key_id, calendars, created_at, updated_at) VALUES ('conn-net', '${ME}', 'caldav', 'active', 'https://dav.example/net/', X'${Buffer.from("v1.k1.SEALED").toString("hex")}', 'k1', '[]', ${now}, ${now})`,
        `INSERT INTO account_settings (did, publish_meetings, updated_at) VALUES ('${ME}', 1, ${now})`,
        `INSERT INTO host_settings (host_did, settings, updated_at) VALUES ('${ME}', '{}', ${now})`
      ].map((sql) => env.DB.prepare(sql)))
      expect(await columnsNaming(ME)).toEqual(expect.arrayContaining(["offers_index.did", "connectors.did", "web_sessions.did", "bookings.guest_did"]))

      const indexed = await deliver("index-tasks", { source: "test", seenAt: now, event: { _tag: "account", did: ME, active: false, status, time: now } })
      expect(indexed.acked).toBe(true)
      expect(sent).toEqual([{ kind: "account-deleted", did: ME }])

      const deleted = await deliver("calendar-tasks", sent[0])
      expect(deleted).toEqual({ acked: true, retried: false })
      const booking = await env.DB.prepare("SELECT status, guest_did FROM bookings WHERE id = 'bk-net'").first<{ status: string; guest_did: string }>()
      expect(booking?.status).toBe("canceled")
      expect(booking?.guest_did).toMatch(/^did:deleted:/)
      expect((await env.DB.prepare("SELECT count(*) AS n FROM local_calendar_events WHERE booking_id = 'bk-net'").first<{ n: number }>())?.n).toBe(0)
      expect(await columnsNaming(ME)).toEqual(["users.did"])
      expect(await env.DB.prepare("SELECT did, handle, pds_endpoint, status FROM users WHERE did = ?").bind(ME).first()).toEqual({ did: ME, handle: null, pds_endpoint: null, status: "deleted" })

      // a redelivered task changes nothing; a record event still arriving is not indexed (only the ingest's own
      // timestamp of the DID's last event is kept, as for any DID the firehose carries)
      expect(await deliver("calendar-tasks", sent[0], 2)).toEqual({ acked: true, retried: false })
      expect(await columnsNaming(ME)).toEqual(["users.did"])
      expect((await deliver("index-tasks", offerWrite("o2", "3l0000000000b"))).acked).toBe(true)
      expect(await columnsNaming(ME)).toEqual(["ingest_activity.did", "users.did"])
      // the same event replayed (a firehose reconnect) claims nothing and sends nothing more
      const replayed = await deliver("index-tasks", { source: "test", seenAt: now, event: { _tag: "account", did: ME, active: false, status, time: now } })
      expect(replayed.acked).toBe(true)
      expect(sent).toHaveLength(1)
    } finally {
      await deleteAlarms(env.HOST_MATCH, env.BOOKING)
    }
  }, 120_000)

  it("suspended: hidden and reversible, nothing deleted", async () => {
    sent.length = 0
    await deliver("index-tasks", offerWrite("o1", "3l0000000000a"))
    await env.DB.prepare(`INSERT INTO account_settings (did, publish_meetings, updated_at) VALUES ('${ME}', 1, ${now})`).run()
    expect((await deliver("index-tasks", { source: "test", seenAt: now, event: { _tag: "account", did: ME, active: false, status: "suspended", time: now } })).acked).toBe(true)
    expect(sent).toEqual([])
    expect(await env.DB.prepare("SELECT hidden FROM offers_index WHERE did = ?").bind(ME).first()).toEqual({ hidden: 1 })
    expect(await env.DB.prepare("SELECT status FROM users WHERE did = ?").bind(ME).first()).toEqual({ status: "takendown" })
    expect(await columnsNaming(ME)).toContain("account_settings.did")
    await deliver("index-tasks", { source: "test", seenAt: now, event: { _tag: "account", did: ME, active: true, status: null, time: now + 1 } })
    expect(await env.DB.prepare("SELECT hidden FROM offers_index WHERE did = ?").bind(ME).first()).toEqual({ hidden: 0 })
  }, 60_000)
})
