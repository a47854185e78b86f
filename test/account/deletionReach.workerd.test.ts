// What account deletion reaches in the host objects (issue 17 item 4), through the AppView worker's own fetch and
// queue handlers over wrangler.toml's bindings, signed in with browser sessions:
// - a match still pending (app.overlap.match answered 202: the calendars were rate-limited) is canceled at once when
//   its guest, or its host, deletes their account — the other person's poll answers MatchNotFound, the queued retry
//   is acked and holds nothing on either calendar (before, it went on for up to 15 minutes and could still hold);
// - with the day-shards switch on (docs/architecture.md, "Host+day shards") the per-day objects, and the host
//   object's record of which shard keeps each hold, keep nothing of the person afterwards (the store scan visits
//   every object of the namespace, the shards included).
import { createExecutionContext, createMessageBatch, env, getQueueResult, runInDurableObject, waitOnExecutionContext } from "cloudflare:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { LocalCalendarLive } from "../../src/adapters/d1/LocalCalendarLive"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { WebSessionsLive } from "../../src/adapters/d1/WebSessionsLive"
import { BookingLifecycleLive } from "../../src/adapters/objects/BookingLifecycleLive"
import { HoldStoreAdminLive, HoldStoreLive } from "../../src/adapters/objects/HoldStoreLive"
import { dayOf, shardName } from "../../src/domain/holds/shards"
import { sessionCookieName } from "../../src/domain/signin/webSession"
import appview from "../../src/entry/appview"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { BookingLifecycle } from "../../src/services/BookingLifecycle"
import { HoldStore, HoldStoreAdmin } from "../../src/services/HoldStore"
import { OffersRepo } from "../../src/services/OffersRepo"
import { WebSessions } from "../../src/services/WebSessions"
import { matchRequest, MIN, mondayAfter } from "../holds/fixtures"
import { deleteAlarms } from "../support/alarms"
import { type ControllableHostMatchDO, useCalendarProvider } from "../support/appviewTestWorker"
import { scanD1, scanObjects } from "./storeScan"

const testEnv = env as unknown as Env
const ORIGIN = "http://127.0.0.1"
const ME = "did:plc:leavingperson0reach00001"
const OTHER = "did:plc:stayingperson0reach00001"
const THIRD = "did:plc:thirdperson00reach00001"
const HOUR = 60 * MIN
const monday = mondayAfter(Date.now())
const iso = (ms: number) => new Date(ms).toISOString()

let runtime: ManagedRuntime.ManagedRuntime<HoldStore | HoldStoreAdmin | BookingLifecycle | WebSessions | OffersRepo, never>
beforeAll(() => {
  const root = CloudflareEnv.layer(testEnv)
  runtime = ManagedRuntime.make(
    Layer.mergeAll(HoldStoreLive, HoldStoreAdminLive, BookingLifecycleLive, WebSessionsLive, RepositoriesLive, LocalCalendarLive.pipe(Layer.provide(D1Live))).pipe(
      Layer.provide(RepositoriesLive.pipe(Layer.provideMerge(root)))
    )
  )
})
afterAll(async () => {
  await runtime?.dispose()
})

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
const post = (session: Session, nsid: string, body: unknown, headers: Record<string, string> = {}) =>
  fetchApp(`/xrpc/${nsid}`, {
    method: "POST",
    headers: { cookie: cookie(session), origin: ORIGIN, "x-overlap-csrf": session.csrf, "content-type": "application/json", ...headers },
    body: JSON.stringify(body)
  })
const get = (session: Session, nsid: string, params: Record<string, string>) =>
  fetchApp(`/xrpc/${nsid}?${new URLSearchParams(params)}`, { headers: { cookie: cookie(session) } })

/** The calendar-tasks consumer, as the runtime delivers one message: whether it was acked. */
const deliverTask = async (body: unknown) => {
  const batch = createMessageBatch<unknown>("calendar-tasks", [{ id: "m-task", timestamp: new Date(), attempts: 1, body }])
  const ctx = createExecutionContext()
  await appview.queue!(batch, testEnv)
  return (await getQueueResult(batch, ctx)).explicitAcks.includes("m-task")
}

const offerUri = (host: string) => `at://${host}/app.overlap.slotOffer/open`
/** An open offer of `host` on `monday`, 09:00–17:00 UTC, as the indexer keeps it. */
const offerOf = (host: string) =>
  runtime.runPromise(Effect.flatMap(OffersRepo, (offers) =>
    offers.upsert({
      uri: offerUri(host), did: host, rkey: "open", cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
      rev: "3l000000000002", startAt: monday + 9 * HOUR, endAt: monday + 17 * HOUR, policy: "anyone", tz: "UTC", note: null,
      createdAt: Date.now()
    })))

/** `host`'s object talks to in-memory calendars the test steers (rate-limited: the match goes on through the queue). */
const steerCalendars = async (host: string) => {
  const control = new CalendarProviderTestControl()
  const stub = env.HOST_MATCH.get(env.HOST_MATCH.idFromName(host)) as unknown as DurableObjectStub<ControllableHostMatchDO>
  await runInDurableObject(stub, (instance) => instance[useCalendarProvider](calendarProviderTestLayer(control)))
  return control
}

/** A pending match: `guest` asks `host` through the front door while the host's calendar is rate-limited. */
const pendingMatch = async (guest: Session, host: string, calendars: CalendarProviderTestControl) => {
  // strangers, as the social graph (cached) says: the offer's tier `anyone` is met
  await env.GRAPH_CACHE.put(`rel:v1:${guest.did}:${host}`, JSON.stringify({ following: false, followedBy: false, blocking: false, blockedBy: false }))
  await env.GRAPH_CACHE.put(`rel:v1:${host}:${guest.did}`, JSON.stringify({ following: false, followedBy: false, blocking: false, blockedBy: false }))
  // (two minutes: the queued retry cannot come by itself while the test runs; the test delivers it)
  calendars.configure(host, { failBusy: "rate-limited", retryAfterMs: 120_000 })
  const constraints = { durationMin: 30, durationMax: 30, tz: "UTC", earliest: iso(monday + 9 * HOUR), latest: iso(monday + 17 * HOUR) }
  const response = await post(guest, "app.overlap.match", { hostDid: host, offerUri: offerUri(host), constraints }, { "idempotency-key": "reach-key-0001-abcdef" })
  expect(response.status, await response.clone().text()).toBe(202)
  const token = ((await response.json()) as { result: { token: string } }).result.token
  // from now on the calendars answer: only the deletion stands between the match and a hold
  calendars.configure(host, {})
  return token
}

const bookingsBetween = async (a: string, b: string) =>
  (await env.DB.prepare("SELECT id, status FROM bookings WHERE (host_did = ?1 AND guest_did = ?2) OR (host_did = ?2 AND guest_did = ?1)").bind(a, b).all()).results

describe("account deletion reaches the host objects", () => {
  it.each([["guest"], ["host"]] as const)("a pending match of the person as %s is canceled at once: gone for the other person, nothing held", async (role) => {
    try {
      const host = role === "guest" ? OTHER : ME
      const guestDid = role === "guest" ? ME : OTHER
      await offerOf(host)
      const calendars = await steerCalendars(host)
      const me = await signIn(ME)
      const other = await signIn(OTHER)
      const token = await pendingMatch(guestDid === ME ? me : other, host, calendars)
      const status = await get(other, "app.overlap.getMatchStatus", { token })
      expect(status.status).toBe(200)
      expect(await status.json()).toMatchObject({ status: "pending" })

      const deleted = await post(me, "app.overlap.account.deleteAccount", { confirm: ME })
      expect(deleted.status).toBe(200)
      expect(await deleted.json()).toMatchObject({ canceledMatches: 1 })

      // the other person's poll: gone; the queued retry is acked and holds nothing, on either calendar
      const gone = await get(other, "app.overlap.getMatchStatus", { token })
      expect(gone.status).toBe(404)
      expect(await gone.json()).toMatchObject({ error: "MatchNotFound" })
      expect(await deliverTask({ kind: "match", token })).toBe(true)
      expect(calendars.holdsOf(host)).toEqual([])
      expect(calendars.holdsOf(guestDid)).toEqual([])
      expect(await bookingsBetween(ME, OTHER)).toEqual([])
      expect(await scanObjects(ME)).toEqual([])

      // a second deletion finds nothing more
      const again = await post(await signIn(ME), "app.overlap.account.deleteAccount", { confirm: ME })
      expect(await again.json()).toMatchObject({ canceledMatches: 0 })
    } finally {
      await deleteAlarms(env.HOST_MATCH, env.RATE_LIMITER, env.SESSION, env.BOOKING)
    }
  }, 120_000)

  it("with day shards on, the per-day objects and the host's record of them keep nothing of the person", async () => {
    try {
      const holds = <A, E>(f: (store: HoldStore["Type"]) => Effect.Effect<A, E>) => runtime.runPromise(Effect.flatMap(HoldStore, f))
      for (const host of [ME, OTHER]) await runtime.runPromise(Effect.flatMap(HoldStoreAdmin, (a) => a.setDayShards(host, true)))
      // a meeting ahead as guest (OTHER hosts it), a hold waiting for the person as host, and one as host just after
      // midnight (its buffer reaches back into Monday's shard: a marker there), all in day shards
      // (a weekly cap: each hold also claims a place in the host's own object)
      const hold = async (bookingId: string, hostDid: string, guestDid: string, earliest: number, latest: number) => {
        const request = matchRequest({ hostDid, guestDid, bookingId, earliest, latest, offerStart: "00:00", offerEnd: "23:59", bufferMin: 15 })
        expect((await holds((s) => s.match({ ...request, host: { ...request.host, maxBookingsPerWeek: 5 } })))._tag).toBe("Held")
      }
      const weekClaims = (host: string) =>
        runInDurableObject(env.HOST_MATCH.get(env.HOST_MATCH.idFromName(host)), (_, state) =>
          state.storage.sql.exec<{ booking_id: string }>("SELECT booking_id FROM week_claims ORDER BY booking_id").toArray().map((r) => r.booking_id))
      await hold("bk-shard-ahead", OTHER, ME, monday + 9 * HOUR, monday + 10 * HOUR)
      await runtime.runPromise(Effect.flatMap(BookingLifecycle, (l) => l.finalize({ bookingId: "bk-shard-ahead", callerDid: OTHER })))
      await hold("bk-shard-waiting", ME, OTHER, monday + 13 * HOUR, monday + 14 * HOUR)
      await hold("bk-shard-night", ME, THIRD, monday + 24 * HOUR, monday + 24 * HOUR + 30 * MIN)
      const shardObject = (host: string, at: number) => `HOST_MATCH:${env.HOST_MATCH.idFromName(shardName(host, dayOf(at))).toString()}`
      const hostObject = (host: string) => `HOST_MATCH:${env.HOST_MATCH.idFromName(host).toString()}`
      // the scan sees the person in the shards (and the host's object, which records where each hold lives)
      expect(await scanObjects(ME)).toEqual(expect.arrayContaining([
        shardObject(OTHER, monday), shardObject(ME, monday), shardObject(ME, monday + 24 * HOUR), hostObject(ME)
      ]))

      expect(await weekClaims(ME)).toEqual(["bk-shard-night", "bk-shard-waiting"])
      expect(await weekClaims(OTHER)).toEqual(["bk-shard-ahead"])

      const deleted = await post(await signIn(ME), "app.overlap.account.deleteAccount", { confirm: ME })
      expect(deleted.status).toBe(200)
      expect(await deleted.json()).toMatchObject({ canceledMeetings: 3 })
      // the places under the weekly cap are given back with the holds
      expect(await weekClaims(ME)).toEqual([])
      expect(await weekClaims(OTHER)).toEqual([])
      const rows = (await env.DB.prepare("SELECT id, status FROM bookings ORDER BY id").all()).results
      expect(rows).toEqual([
        { id: "bk-shard-ahead", status: "canceled" },
        { id: "bk-shard-night", status: "declined" },
        { id: "bk-shard-waiting", status: "declined" }
      ])
      expect((await env.DB.prepare("SELECT count(*) AS n FROM local_calendar_events WHERE booking_id IS NOT NULL").first<{ n: number }>())?.n).toBe(0)
      expect(await scanD1(ME)).toEqual([])
      const named = new Map([ME, OTHER].flatMap((host) => [
        [hostObject(host), host],
        ...[0, 1].map((d) => [shardObject(host, monday + d * 24 * HOUR), shardName(host, dayOf(monday + d * 24 * HOUR))] as const)
      ]))
      expect((await scanObjects(ME)).map((id) => named.get(id) ?? id)).toEqual([])
      // the other person's shards still work: their day is free again for a new hold
      await hold("bk-shard-after", OTHER, "did:plc:someoneelse0reach0000001", monday + 9 * HOUR, monday + 10 * HOUR)
    } finally {
      await deleteAlarms(env.HOST_MATCH, env.RATE_LIMITER, env.SESSION, env.BOOKING)
    }
  }, 120_000)
})
