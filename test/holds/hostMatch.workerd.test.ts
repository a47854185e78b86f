import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext
} from "cloudflare:test"
import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { clash, clashingPairs, separationMs } from "../../src/domain/holds/overlap"
import worker from "../../src/entry/appview"
import { type ControllableHostMatchDO as HostMatchDO, useCalendarProvider } from "../support/appviewTestWorker"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { HoldStoreLive } from "../../src/adapters/objects/HoldStoreLive"
import { LocalCalendarLive } from "../../src/adapters/d1/LocalCalendarLive"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { Held, HoldStore, type MatchOutcome, PendingMatch } from "../../src/services/HoldStore"
import { type MatchRequest } from "../../src/domain/holds/matchRequest"
import { LocalCalendar } from "../../src/services/LocalCalendar"
import { DAY, guestDidOf, hostDidOf, matchRequest, MIN, mondayAfter } from "./fixtures"

// HoldStore Live → the real HostMatchDO (SQLite storage, alarm) → the local calendar in D1, or the
// in-memory provider handed to the object for latency and failure injection. Isolated storage per test.
const runtime = ManagedRuntime.make(
  Layer.mergeAll(HoldStoreLive, RepositoriesLive, LocalCalendarLive.pipe(Layer.provide(D1Live))).pipe(
    Layer.provide(CloudflareEnv.layer(env))
  )
)
afterAll(() => runtime.dispose())
const holds = <A, E>(f: (store: HoldStore["Type"]) => Effect.Effect<A, E>) => runtime.runPromise(Effect.flatMap(HoldStore, f))
const matchEither = (request: MatchRequest) => holds((store) => Effect.either(store.match(request)))

const stubOf = (hostDid: string) =>
  env.HOST_MATCH.get(env.HOST_MATCH.idFromName(hostDid)) as unknown as DurableObjectStub<HostMatchDO>

/** Makes the host's object talk to an in-memory provider the test steers. */
const useTestCalendars = async (hostDid: string) => {
  const control = new CalendarProviderTestControl()
  await runInDurableObject(stubOf(hostDid), (instance) => instance[useCalendarProvider](calendarProviderTestLayer(control)))
  return control
}

interface StoredHold {
  readonly booking_id: string
  readonly start_at: number
  readonly end_at: number
  readonly state: string
}
const storedHolds = (hostDid: string) =>
  runInDurableObject(stubOf(hostDid), (_, state) =>
    state.storage.sql.exec<StoredHold & Record<string, SqlStorageValue>>(
      "SELECT booking_id, start_at, end_at, state FROM holds ORDER BY start_at"
    ).toArray())

interface BookingRow {
  readonly id: string
  readonly guest_did: string
  readonly status: string
  readonly start_at: number
  readonly end_at: number
  readonly hold_expires_at: number | null
}
const d1Bookings = async (hostDid: string) =>
  (await env.DB.prepare("SELECT id, guest_did, status, start_at, end_at, hold_expires_at FROM bookings WHERE host_did = ? ORDER BY start_at")
    .bind(hostDid).all<BookingRow>()).results
const localEvents = async (did: string) =>
  (await env.DB.prepare("SELECT booking_id, start_at, end_at, status FROM local_calendar_events WHERE did = ? ORDER BY start_at")
    .bind(did).all<{ booking_id: string | null; start_at: number; end_at: number; status: string }>()).results

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const monday = mondayAfter(Date.now())
const GAP = separationMs({ bufferBeforeMin: 5, bufferAfterMin: 5 })

describe("HostMatchDO: 200 concurrent matches at one host", () => {
  // Repeated rounds, each in fresh storage with its own host: the outcome must never depend on timing.
  it.each([1, 2, 3])("round %i: every request ends in a hold or NoSlotAvailable, and no two holds overlap (DO and D1)", async (round) => {
    const host = hostDidOf(`crowd${round}`)
    const guests = Array.from({ length: 200 }, (_, i) => guestDidOf(i))
    // The host's and some guests' own calendars (local calendar in D1).
    await runtime.runPromise(Effect.gen(function*() {
      const calendars = yield* LocalCalendar
      yield* calendars.addEvent(host, { start: monday + 10 * 60 * MIN, end: monday + 11 * 60 * MIN, summary: "standup", tz: "UTC" })
      yield* calendars.addEvent(host, { start: monday + DAY + 13 * 60 * MIN, end: monday + DAY + 15 * 60 * MIN, summary: "x", tz: "UTC" })
      for (let i = 0; i < guests.length; i += 10) {
        yield* calendars.addEvent(guests[i]!, { start: monday + 8 * 60 * MIN, end: monday + 12 * 60 * MIN, summary: "busy", tz: "UTC" })
      }
    }))

    // Overlapping windows: everyone wants Monday–Tuesday, from one of four points on Monday (points on the
    // 45-minute lattice the holds fall on, so the number of holds does not depend on arrival order).
    const from = [0, 8.75, 11.25, 12.75].map((h) => h * 60 * MIN)
    const requests = guests.map((guestDid, i) =>
      matchRequest({
        hostDid: host,
        guestDid,
        bookingId: `r${round}-b${i}`,
        earliest: monday + from[i % 4]!,
        latest: monday + 2 * DAY,
        // This test is about atomicity, not backpressure: a generous budget keeps every match synchronous.
        budgetMs: 60_000
      })
    )
    const results = await Promise.all(requests.map(matchEither))

    const held = results.filter(Either.isRight).map((r) => r.right)
    expect(held.every((h): h is Held => h instanceof Held)).toBe(true)
    const refusals = results.filter(Either.isLeft).map((r) => r.left._tag)
    expect(new Set(refusals)).toEqual(refusals.length > 0 ? new Set(["NoSlotAvailable"]) : new Set())
    expect(held.length + refusals.length).toBe(200)
    // A hold takes 30 min + the 5-min buffer, rounded up to the 15-min grid: one per 45 min. Monday 08:00–18:00
    // around the host's 10:00–11:00: 08:00, 08:45, then 11:15 … 17:15 (11); Tuesday around 13:00–15:00:
    // 08:00 … 11:45, then 15:15 … 17:30 (10).
    expect(held.length).toBe(21)

    // The object's storage: exactly these holds, all held, none within the buffer of another.
    const stored = await storedHolds(host)
    expect(stored.map((h) => h.state)).toEqual(held.map(() => "held"))
    expect(clashingPairs(stored.map((h) => ({ start: h.start_at, end: h.end_at })), GAP)).toEqual([])
    expect(new Set(stored.map((h) => h.booking_id))).toEqual(new Set(held.map((h) => (h as Held).bookingId)))

    // D1: the same holds, mirrored as held with their expiry.
    const mirrored = await d1Bookings(host)
    expect(mirrored.every((b) => b.status === "held" && b.hold_expires_at !== null)).toBe(true)
    expect(mirrored.map((b) => [b.id, b.start_at, b.end_at]).sort()).toEqual(
      stored.map((h) => [h.booking_id, h.start_at, h.end_at]).sort()
    )
    expect(clashingPairs(mirrored.map((b) => ({ start: b.start_at, end: b.end_at })), GAP)).toEqual([])

    // The calendars: one tentative event per hold on the host's, one on each holding guest's; no hold meets
    // anyone's own busy time.
    const hostEvents = await localEvents(host)
    const own = hostEvents.filter((e) => e.booking_id === null).map((e) => ({ start: e.start_at, end: e.end_at }))
    expect(hostEvents.filter((e) => e.booking_id !== null)).toHaveLength(held.length)
    for (const booking of mirrored) {
      expect(own.some((busy) => clash(busy, { start: booking.start_at, end: booking.end_at }, GAP))).toBe(false)
      const guestEvents = await localEvents(booking.guest_did)
      expect(guestEvents.filter((e) => e.booking_id === booking.id)).toHaveLength(1)
      expect(guestEvents.filter((e) => e.booking_id === null).some((busy) =>
        clash({ start: busy.start_at, end: busy.end_at }, { start: booking.start_at, end: booking.end_at }, 0)
      )).toBe(false)
    }
  }, 120_000)
})

describe("HostMatchDO: atomic holds", () => {
  const host = hostDidOf("one")
  const request = (i: number, extra: Partial<Parameters<typeof matchRequest>[0]> = {}) =>
    matchRequest({ hostDid: host, guestDid: guestDidOf(i), bookingId: `b-${i}`, earliest: monday, latest: monday + DAY, ...extra })

  it("a provider call in flight never lets a second request take the same time", async () => {
    const calendars = await useTestCalendars(host)
    calendars.configure(host, { placeLatencyMs: 400 }) // the host's calendar is slow to take a hold
    // One slot only: 08:00–08:30.
    const only = { offerStart: "08:00", offerEnd: "08:30" }
    const finished: Array<string> = []
    const settle = (i: number) => matchEither(request(i, only)).then((r) => (finished.push(`b-${i}`), r))
    const first = settle(1)
    await sleep(50) // the first match has (almost surely) reserved and waits on the host's calendar
    const results = await Promise.all([first, settle(2)])
    const winner = results.findIndex((r) => Either.isRight(r) && r.right instanceof Held)
    expect(winner).toBeGreaterThanOrEqual(0)
    expect(results[1 - winner]).toMatchObject({ _tag: "Left", left: { _tag: "NoSlotAvailable" } })
    // The loser was refused while the winner's provider call was still running: the reservation stopped
    // it, not a queue behind the slow call; and it never touched a calendar.
    expect(finished).toEqual([`b-${2 - winner}`, `b-${winner + 1}`])
    expect(calendars.holdsOf(host)).toHaveLength(1)
    expect(calendars.calls.filter((c) => c.op === "placeHold" && c.did === guestDidOf(2 - winner))).toEqual([])
  })

  it("rolls back when one calendar fails: the other's hold is released, nothing stays reserved or in D1", async () => {
    const calendars = await useTestCalendars(host)
    calendars.configure(guestDidOf(1), { failPlace: "broken", placeLatencyMs: 50 })
    const result = await matchEither(request(1))
    expect(result).toMatchObject({ _tag: "Left", left: { _tag: "CalendarUnavailable", party: "guest", reason: "broken" } })
    expect(calendars.calls.filter((c) => c.op === "placeHold" && c.did === host)).toHaveLength(1)
    expect(calendars.holdsOf(host)).toEqual([])
    expect(await storedHolds(host)).toEqual([])
    expect(await d1Bookings(host)).toEqual([])
    // The time is free: the next guest gets 08:00.
    const next = await matchEither(request(2))
    expect(Either.isRight(next) && (next.right as Held).start).toBe(monday + 8 * 60 * MIN)
  })

  it("a placement whose outcome is unknown (5xx) is cleaned up once the calendar answers again", async () => {
    const calendars = await useTestCalendars(host)
    calendars.configure(guestDidOf(1), { failPlace: "unavailable" })
    const result = await matchEither(request(1))
    expect(result).toMatchObject({ _tag: "Left", left: { _tag: "CalendarUnavailable", party: "guest", reason: "unavailable" } })
    expect(calendars.holdsOf(host)).toEqual([])
    // The guest's calendar may hold an event we never heard of: the record stays, not blocking, to clean it up.
    expect((await storedHolds(host)).map((h) => h.state)).toEqual(["releasing"])
    expect(Either.isRight(await matchEither(request(2)))).toBe(true)
    calendars.configure(guestDidOf(1), {})
    await runInDurableObject(stubOf(host), (_, state) => void state.storage.sql.exec("UPDATE holds SET due_at = 0 WHERE booking_id = 'b-1'"))
    await runDurableObjectAlarm(stubOf(host))
    expect((await storedHolds(host)).map((h) => h.booking_id)).toEqual(["b-2"])
    expect(calendars.holdsOf(guestDidOf(1))).toEqual([]) // re-placed (idempotent) to learn the event, then released
  })

  it("the alarm expires a hold on time: both calendars released, D1 expired, storage empty", async () => {
    const outcome = await matchEither(request(1, { holdTtlMs: 1_000 }))
    const hold = (outcome as Either.Right<never, MatchOutcome>).right as Held
    expect(await localEvents(host)).toHaveLength(1)
    expect(await localEvents(guestDidOf(1))).toHaveLength(1)
    const alarmAt = await runInDurableObject(stubOf(host), (_, state) => state.storage.getAlarm())
    expect(alarmAt).toBe(hold.expiresAt)

    // The alarm fires by itself at the expiry (no test hook): wait for D1 to change.
    let expiredAt: number | undefined
    for (let waited = 0; waited < 5_000 && expiredAt === undefined; waited += 25) {
      await sleep(25)
      const row = await env.DB.prepare("SELECT status, updated_at FROM bookings WHERE id = 'b-1'").first<{ status: string; updated_at: number }>()
      if (row?.status === "expired") expiredAt = row.updated_at
    }
    expect(expiredAt).toBeGreaterThanOrEqual(hold.expiresAt)
    expect(expiredAt! - hold.expiresAt).toBeLessThan(1_000)
    await sleep(100) // the calendar releases follow the D1 update
    expect((await d1Bookings(host)).map((b) => b.status)).toEqual(["expired"])
    expect(await localEvents(host)).toEqual([])
    expect(await localEvents(guestDidOf(1))).toEqual([])
    expect(await storedHolds(host)).toEqual([])
  })

  it("an early alarm leaves a live hold alone", async () => {
    await matchEither(request(1))
    expect(await runDurableObjectAlarm(stubOf(host))).toBe(true)
    expect((await d1Bookings(host)).map((b) => b.status)).toEqual(["held"])
    expect((await storedHolds(host)).map((h) => h.state)).toEqual(["held"])
    expect(await runInDurableObject(stubOf(host), (_, state) => state.storage.getAlarm())).not.toBeNull()
  })

  it("a release that fails is retried by the alarm until both calendars are clean", async () => {
    const calendars = await useTestCalendars(host)
    await matchEither(request(1, { holdTtlMs: 1_000 }))
    calendars.configure(guestDidOf(1), { failReleases: 1 })
    await sleep(1_100)
    await runDurableObjectAlarm(stubOf(host))
    expect((await d1Bookings(host)).map((b) => b.status)).toEqual(["expired"])
    expect(calendars.holdsOf(host)).toEqual([])
    expect(calendars.holdsOf(guestDidOf(1))).toHaveLength(1)
    expect((await storedHolds(host)).map((h) => h.state)).toEqual(["releasing"])
    // The retry is due in 30 s; the test runs the alarm now after moving the due time.
    await runInDurableObject(stubOf(host), (_, state) => void state.storage.sql.exec("UPDATE holds SET due_at = 0"))
    await runDurableObjectAlarm(stubOf(host))
    expect(calendars.holdsOf(guestDidOf(1))).toEqual([])
    expect(await storedHolds(host)).toEqual([])
  })

  it("the expire-holds cron is the backstop when an alarm never ran", async () => {
    const outcome = await matchEither(request(1, { holdTtlMs: 1_000 }))
    const hold = (outcome as Either.Right<never, MatchOutcome>).right as Held
    await runInDurableObject(stubOf(host), (_, state) => state.storage.deleteAlarm())
    await sleep(hold.expiresAt - Date.now() + 50)
    // The sweep only takes holds expired more than a minute ago; D1 is moved back instead of waiting.
    await env.DB.prepare("UPDATE bookings SET hold_expires_at = ? WHERE id = 'b-1'").bind(Date.now() - 120_000).run()
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env, ctx)
    await waitOnExecutionContext(ctx)
    expect((await d1Bookings(host)).map((b) => b.status)).toEqual(["expired"])
    expect(await localEvents(host)).toEqual([])
    expect(await localEvents(guestDidOf(1))).toEqual([])
    expect(await storedHolds(host)).toEqual([])
  })

  it("rate-limited calendars answer with a token; the calendar-tasks consumer finishes the match", async () => {
    const calendars = await useTestCalendars(host)
    calendars.configure(guestDidOf(1), { failBusy: "rate-limited", retryAfterMs: 5_000 })
    const outcome = await matchEither(request(1))
    const pending = (outcome as Either.Right<never, MatchOutcome>).right
    expect(pending).toBeInstanceOf(PendingMatch)
    const token = (pending as PendingMatch).token
    expect(token.length).toBeLessThanOrEqual(128)
    expect(await holds((s) => s.getMatchStatus(token, guestDidOf(1)))).toEqual({ _tag: "pending", retryAfterSec: 5 })
    expect(await holds((s) => Effect.flip(s.getMatchStatus(token, guestDidOf(9))))).toMatchObject({ _tag: "NotParticipant" })
    expect(await holds((s) => Effect.flip(s.getMatchStatus(`${"f".repeat(64)}.${"0".repeat(32)}`, host)))).toMatchObject({
      _tag: "MatchNotFound"
    })

    calendars.configure(guestDidOf(1), {})
    const batch = createMessageBatch<unknown>("calendar-tasks", [
      { id: "m-match", timestamp: new Date(), attempts: 1, body: { kind: "match", token } },
      { id: "m-other", timestamp: new Date(), attempts: 1, body: { kind: "calendar-changed" } }
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch, env)
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks).toContain("m-match")
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["m-other"])
    const status = await holds((s) => s.getMatchStatus(token, host))
    expect(status).toMatchObject({ _tag: "held", hold: { bookingId: "b-1" } })
    expect((await d1Bookings(host)).map((b) => b.status)).toEqual(["held"])
    expect(calendars.holdsOf(guestDidOf(1))).toHaveLength(1)
  })

  it("confirm keeps the time blocked past the hold's expiry; release frees it on both calendars", async () => {
    const first = (await matchEither(request(1, { holdTtlMs: 1_000 })) as Either.Right<never, MatchOutcome>).right as Held
    await env.DB.prepare("UPDATE bookings SET status = 'confirmed', hold_expires_at = NULL, version = version + 1 WHERE id = 'b-1'").run()
    await holds((s) => s.confirm(host, "b-1"))
    expect((await localEvents(host)).map((e) => e.status)).toEqual(["confirmed"])
    await sleep(1_100)
    await runDurableObjectAlarm(stubOf(host))
    expect((await storedHolds(host)).map((h) => h.state)).toEqual(["booked"])
    const second = (await matchEither(request(2)) as Either.Right<never, MatchOutcome>).right as Held
    expect(second.start).toBeGreaterThanOrEqual(first.end + GAP)

    await holds((s) => s.release(host, "b-1"))
    await holds((s) => s.release(host, "b-1"))
    expect((await localEvents(host)).map((e) => e.booking_id)).toEqual(["b-2"])
    expect(await localEvents(guestDidOf(1))).toEqual([])
  })
})
