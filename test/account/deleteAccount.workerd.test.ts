// app.overlap.account.deleteAccount through the AppView worker's own fetch (the production graph over wrangler.toml's
// D1, KV, R2 and Durable Objects), signed in with a browser session: a person with a meeting ahead (as guest), a
// hold waiting for them (as host), a past meeting, a CalDAV connector, settings, host rules, notification settings,
// a reminder, a webhook, a sign-in session in their SessionDO, two browser sessions, a graph cache entry and an
// export in R2 deletes their account. Afterwards a scan of every D1 table and column, every KV namespace, every R2
// object and the storage of every Durable Object this test made finds them only in the allowed leftovers
// (docs/threat-model.md, "Account deletion").
import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from "cloudflare:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { WebSessionsLive } from "../../src/adapters/d1/WebSessionsLive"
import { BookingLifecycleLive } from "../../src/adapters/objects/BookingLifecycleLive"
import { HoldStoreLive } from "../../src/adapters/objects/HoldStoreLive"
import { LocalCalendarLive } from "../../src/adapters/d1/LocalCalendarLive"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { sessionCookieName } from "../../src/domain/signin/webSession"
import appview from "../../src/entry/appview"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { BookingLifecycle } from "../../src/services/BookingLifecycle"
import { HoldStore } from "../../src/services/HoldStore"
import { WebSessions } from "../../src/services/WebSessions"
import { matchRequest, MIN, mondayAfter } from "../holds/fixtures"
import { deleteAlarms } from "../support/alarms"
import { scanD1, scanKv, scanObjects, scanR2 } from "./storeScan"

const testEnv = env as unknown as Env
const ORIGIN = "http://127.0.0.1"
const NSID = "app.overlap.account.deleteAccount"
const ME = "did:plc:leavingperson0deletion01"
const HANDLE = "leaving-person.test"
const OTHER = "did:plc:stayingperson0deletion01"
const monday = mondayAfter(Date.now())
const now = Date.now()

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

/** The worker's fetch handler, called as the runtime calls it (with an execution context for its waitUntil work). */
const fetchHandler = appview.fetch as unknown as (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>

const fetchApp = async (path: string, init: RequestInit = {}) => {
  const ctx = createExecutionContext()
  const response = await fetchHandler(new Request(`${ORIGIN}${path}`, init), testEnv, ctx)
  await waitOnExecutionContext(ctx)
  return response
}

const signIn = (did: string) => runtime.runPromise(Effect.flatMap(WebSessions, (s) => s.create(did, "vitest")))
type Session = Awaited<ReturnType<typeof signIn>>

const cookie = (session: Session) => `${sessionCookieName(false)}=${session.id}`
const post = (session: Session, nsid: string, body: unknown) =>
  fetchApp(`/xrpc/${nsid}`, {
    method: "POST",
    headers: { cookie: cookie(session), origin: ORIGIN, "x-overlap-csrf": session.csrf, "content-type": "application/json" },
    body: JSON.stringify(body)
  })
const get = (session: Session, nsid: string, params: Record<string, string> = {}) =>
  fetchApp(`/xrpc/${nsid}?${new URLSearchParams(params)}`, { headers: { cookie: cookie(session) } })

/** A 30-minute hold on `monday` made by the real match path (local calendars in D1). */
const hold = async (bookingId: string, hostDid: string, guestDid: string, hour: number) => {
  const outcome = await runtime.runPromise(Effect.flatMap(HoldStore, (store) =>
    store.match(matchRequest({ hostDid, guestDid, bookingId, earliest: monday + hour * 60 * MIN, latest: monday + (hour + 1) * 60 * MIN }))))
  expect(outcome._tag).toBe("Held")
}

const seed = async () => {
  // a meeting ahead (the other person hosts), a hold waiting for the leaving person as host, a past meeting
  await hold("bk-ahead", OTHER, ME, 9)
  await runtime.runPromise(Effect.flatMap(BookingLifecycle, (l) => l.finalize({ bookingId: "bk-ahead", callerDid: OTHER })))
  await hold("bk-waiting", ME, OTHER, 13)
  const past = now - 30 * 86_400_000
  await env.DB.batch([
    `INSERT INTO users (did, handle, pds_endpoint, status, created_at, updated_at) VALUES ('${ME}', '${HANDLE}', 'https://pds.example', 'active', ${now}, ${now})`,
    `INSERT INTO bookings (id, host_did, guest_did, status, start_at, end_at, tz, created_at, updated_at) VALUES ('bk-past', '${OTHER}', '${ME}', 'confirmed', ${past}, ${past + 1_800_000}, 'UTC', ${past}, ${past})`,
    `INSERT INTO audit_events (booking_id, actor_did, event_type, from_state, to_state, created_at) VALUES ('bk-past', '${ME}', 'booking.confirm', 'held', 'confirmed', ${past})`,
    `INSERT INTO connectors (id, did, provider, status, account_ref, token_ciphertext, key_id, calendars, created_at, updated_at) VALUES ('conn-leaving', '${ME}', 'caldav', 'active', 'https://dav.example/leaving/', X'${Buffer.from("v1.k1.SEALEDCALDAV").toString("hex")}', 'k1', '[]', ${now}, ${now})`,
    `INSERT INTO connector_sync_state (connector_id, calendar_id, sync_token, updated_at) VALUES ('conn-leaving', 'cal', 'sync-token-leaving', ${now})`,
    `INSERT INTO account_settings (did, publish_meetings, updated_at) VALUES ('${ME}', 1, ${now})`,
    `INSERT INTO host_settings (host_did, settings, updated_at) VALUES ('${ME}', '{"minNoticeMin":60}', ${now})`,
    `INSERT INTO notify_settings (did, email_ciphertext, email_key_id, email_verified_at, updated_at) VALUES ('${ME}', 'v1.k1.SEALEDADDRESS', 'k1', ${now}, ${now})`,
    `INSERT INTO notify_reminders (booking_id, sequence, recipient_did, minutes_before, planned_at) VALUES ('bk-ahead', 1, '${ME}', 60, ${now})`,
    `INSERT INTO webhook_subscriptions (id, did, url, secret_ciphertext, key_id, created_at) VALUES ('wh-leaving', '${ME}', 'https://hooks.example/leaving', 'v1.k1.SEALEDSECRET', 'k1', ${now})`,
    `INSERT INTO local_calendar_events (did, event_id, start_at, end_at, status, booking_id, summary, tz, created_at, updated_at) VALUES ('${ME}', 'own-1', ${monday}, ${monday + 3_600_000}, 'confirmed', NULL, 'dentist', 'UTC', ${now}, ${now})`,
    `INSERT INTO record_tombstones (uri, did, rev, deleted_at) VALUES ('at://${ME}/app.overlap.slotOffer/1', '${ME}', 'rev1', ${now})`,
    `INSERT INTO service_auth_jtis (iss, jti, exp_at) VALUES ('${ME}', 'jti-leaving', ${now + 60_000})`,
    `INSERT INTO ingest_activity (did, last_event_at) VALUES ('${ME}', ${now})`
  ].map((sql) => env.DB.prepare(sql)))
  // the atproto session in the person's SessionDO, with a write waiting in its outbox
  await runInDurableObject(env.SESSION.get(env.SESSION.idFromName(ME)), (_instance, state) => {
    state.storage.sql.exec("INSERT INTO session (id, did, origin, sealed, key_id, updated_at) VALUES (1, ?, 'http://127.0.0.1:9', 'v1.k1.SEALEDSESSION', 'k1', ?)", ME, now)
    state.storage.sql.exec("INSERT INTO outbox (collection, rkey, write, attempts, next_at) VALUES ('app.overlap.booking', 'bk-ahead', ?, 0, ?)", JSON.stringify({ did: ME }), now + 3_600_000)
  })
  await env.GRAPH_CACHE.put(`rel:v1:${ME}:${OTHER}`, JSON.stringify({ following: true, followedBy: true }))
  await env.GRAPH_CACHE.put(`rel:v1:${OTHER}:${ME}`, JSON.stringify({ following: true, followedBy: true }))
}

const hostObjectOf = (hostDid: string) => `HOST_MATCH:${env.HOST_MATCH.idFromName(hostDid).toString()}`

describe(NSID, () => {
  it("refuses without the caller's own DID typed out, deletes everything of the person, and leaves only what the other person's meetings keep", async () => {
    try {
      await seed()
      const session = await signIn(ME)
      const otherBrowser = await signIn(ME)
      // an export made through the front door: two files in R2 under exports/<did>/
      const exported = await post(session, "app.overlap.account.requestExport", {})
      expect(exported.status).toBe(200)
      expect(await scanR2(`exports/${ME}/`)).toHaveLength(2)

      // a stray call deletes nothing: no confirmation, or someone else's DID
      for (const body of [{}, { confirm: "" }, { confirm: OTHER }]) {
        const refused = await post(session, NSID, body)
        expect(refused.status).toBe(400)
        expect(await refused.json()).toMatchObject({ error: "InvalidRequest", message: expect.stringContaining("confirm") })
      }
      expect(await scanD1(ME)).toContain("connectors.did")
      // the object scan sees the person where they are: their session, the hold ledgers naming them
      expect(await scanObjects(ME)).toEqual(expect.arrayContaining([
        `SESSION:${env.SESSION.idFromName(ME).toString()}`,
        hostObjectOf(OTHER),
        hostObjectOf(ME)
      ]))

      const response = await post(session, NSID, { confirm: ME })
      expect(response.status).toBe(200)
      const report = (await response.json()) as Record<string, unknown>
      expect(report).toMatchObject({ did: ME, canceledMeetings: 2, removedConnectors: 1, removedExports: 2 })
      expect(report.removedRows).toBeGreaterThanOrEqual(14)

      // the meetings ahead went through the normal lifecycle: canceled / declined, the other person's calendar freed,
      // the cancellation issued (METHOD:CANCEL) and audited; the past meeting is untouched but for the opaque id
      const rows = (await env.DB.prepare("SELECT id, host_did, guest_did, status FROM bookings ORDER BY id").all<Record<string, string>>()).results
      const pseudonym = rows.find((r) => r.id === "bk-past")!.guest_did!
      expect(pseudonym).toMatch(/^did:deleted:[0-9a-f]{32}$/)
      expect(rows).toEqual([
        { id: "bk-ahead", host_did: OTHER, guest_did: pseudonym, status: "canceled" },
        { id: "bk-past", host_did: OTHER, guest_did: pseudonym, status: "confirmed" },
        { id: "bk-waiting", host_did: pseudonym, guest_did: OTHER, status: "declined" }
      ])
      expect((await env.DB.prepare("SELECT count(*) AS n FROM local_calendar_events WHERE booking_id IS NOT NULL").first<{ n: number }>())?.n).toBe(0)
      const canceled = await scanR2("METHOD:CANCEL")
      expect(canceled.some((key) => key.startsWith("ics/bk-ahead"))).toBe(true)
      const audit = (await env.DB.prepare("SELECT booking_id, actor_did, to_state FROM audit_events WHERE to_state IN ('canceled', 'declined') ORDER BY booking_id").all()).results
      expect(audit).toEqual([
        { booking_id: "bk-ahead", actor_did: pseudonym, to_state: "canceled" },
        { booking_id: "bk-waiting", actor_did: pseudonym, to_state: "declined" }
      ])

      // signed out everywhere: both browser sessions are dead
      for (const browser of [session, otherBrowser]) expect((await get(browser, "app.overlap.listBookings")).status).toBe(401)

      // the scan: nothing of the person in D1 or any object's storage (the hold ledgers forget canceled holds); in KV only
      // the other person's graph entry (expires in 120 s); in R2 only the shared meetings' invitations and audit records
      expect(await scanD1(ME)).toEqual([])
      expect(await scanD1(HANDLE)).toEqual([])
      expect(await scanD1("SEALED")).toEqual([])
      expect(await scanD1("sync-token-leaving")).toEqual([])
      expect(await scanKv(ME)).toEqual([`GRAPH_CACHE:rel:v1:${OTHER}:${ME}`])
      expect((await scanR2(ME)).filter((key) => !/^(ics|audit)\/bk-(ahead|waiting)\//.test(key))).toEqual([])
      expect(await scanObjects(ME)).toEqual([])
      expect(await scanObjects("SEALEDSESSION")).toEqual([])

      // a new sign-in with the DID starts empty; deleting again finds nothing (idempotent)
      const again = await signIn(ME)
      const listed = await get(again, "app.overlap.listBookings")
      expect(listed.status).toBe(200)
      expect(((await listed.json()) as { bookings: Array<unknown> }).bookings).toEqual([])
      const repeat = await post(again, NSID, { confirm: ME })
      expect(repeat.status).toBe(200)
      expect(await repeat.json()).toMatchObject({ canceledMeetings: 0, removedConnectors: 0, removedExports: 0 })
      expect(await scanD1(ME)).toEqual([])
    } finally {
      await deleteAlarms(env.HOST_MATCH, env.RATE_LIMITER, env.SESSION, env.BOOKING)
    }
  }, 120_000)
})
