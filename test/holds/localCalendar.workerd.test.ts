import { env } from "cloudflare:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { LocalCalendarLive } from "../../src/adapters/d1/LocalCalendarLive"
import { CalendarProvider, type HoldRequest } from "../../src/services/CalendarProvider"
import { LocalCalendar } from "../../src/services/LocalCalendar"

// The local calendar (the embedded default CalendarProvider) over the real D1 binding in workerd.
const runtime = ManagedRuntime.make(LocalCalendarLive.pipe(Layer.provide(D1Live), Layer.provide(CloudflareEnv.layer(env))))
afterAll(() => runtime.dispose())
const run = <A, E>(effect: Effect.Effect<A, E, CalendarProvider | LocalCalendar>) => runtime.runPromise(effect)

const H = 3_600_000
const day = Date.UTC(2026, 5, 1)
const alice = "did:plc:alice"
const bob = "did:plc:bob"
const hold = (bookingId: string, startH: number, endH: number): HoldRequest => ({
  bookingId,
  start: day + startH * H,
  end: day + endH * H,
  tz: "Europe/Berlin",
  summary: "Overlap: tentative hold"
})

describe("LocalCalendarLive (D1)", () => {
  it("counts the owner's events and Overlap's holds as busy, merged and clipped to the range, per user", async () => {
    await run(Effect.gen(function*() {
      const mine = yield* LocalCalendar
      const calendar = yield* CalendarProvider
      yield* mine.addEvent(alice, { start: day + 9 * H, end: day + 10 * H, summary: "dentist", tz: "UTC" })
      yield* mine.addEvent(alice, { start: day + 9.5 * H, end: day + 11 * H, summary: "call", tz: "UTC", status: "tentative" })
      yield* mine.addEvent(alice, { start: day - 2 * H, end: day + 1 * H, summary: "night", tz: "UTC" })
      yield* calendar.placeHold(alice, hold("b1", 14, 15))
      yield* mine.addEvent(bob, { start: day + 12 * H, end: day + 13 * H, summary: "lunch", tz: "UTC" })

      expect(yield* calendar.busy(alice, { start: day, end: day + 24 * H })).toEqual([
        { start: day, end: day + 1 * H },
        { start: day + 9 * H, end: day + 11 * H },
        { start: day + 14 * H, end: day + 15 * H }
      ])
      expect(yield* calendar.busy(bob, { start: day, end: day + 24 * H })).toEqual([{ start: day + 12 * H, end: day + 13 * H }])
      expect(yield* calendar.busy(alice, { start: day + 2 * H, end: day + 8 * H })).toEqual([])
    }))
  })

  it("placeHold is idempotent per (did, bookingId); confirm, move and release work, and releasing twice is fine", async () => {
    await run(Effect.gen(function*() {
      const calendar = yield* CalendarProvider
      const mine = yield* LocalCalendar
      const first = yield* calendar.placeHold(alice, hold("b1", 14, 15))
      const again = yield* calendar.placeHold(alice, hold("b1", 14, 15))
      expect(again).toEqual(first)
      const sameBookingOtherUser = yield* calendar.placeHold(bob, hold("b1", 14, 15))
      expect(sameBookingOtherUser.calendarId).toBe(bob)
      expect((yield* mine.listEvents(alice, { start: day, end: day + 24 * H })).map((e) => [e.bookingId, e.status])).toEqual([
        ["b1", "tentative"]
      ])

      const confirmed = yield* calendar.confirmHold(alice, first)
      expect(confirmed.etag).toBe("2")
      const moved = yield* calendar.moveHold(alice, confirmed, { start: day + 16 * H, end: day + 17 * H })
      expect(moved.eventId).toBe(first.eventId)
      const [event] = yield* mine.listEvents(alice, { start: day, end: day + 24 * H })
      expect(event).toMatchObject({ status: "confirmed", startAt: day + 16 * H, endAt: day + 17 * H, version: 3 })

      yield* calendar.releaseHold(alice, moved)
      yield* calendar.releaseHold(alice, moved)
      expect(yield* calendar.busy(alice, { start: day, end: day + 24 * H })).toEqual([])
      expect(yield* Effect.flip(calendar.confirmHold(alice, moved))).toMatchObject({ _tag: "HoldGone", provider: "local" })
      expect(yield* calendar.busy(bob, { start: day, end: day + 24 * H })).toHaveLength(1)
      // A released booking can be held again (a new event).
      expect((yield* calendar.placeHold(alice, hold("b1", 14, 15))).eventId).toBe(first.eventId)
    }))
  })

  it("refuses an inverted hold, and the owner can remove their own events", async () => {
    await run(Effect.gen(function*() {
      const calendar = yield* CalendarProvider
      const mine = yield* LocalCalendar
      expect(yield* Effect.flip(calendar.placeHold(alice, hold("b2", 15, 14)))).toMatchObject({ _tag: "ProviderRejected", status: 400 })
      const event = yield* mine.addEvent(alice, { start: day, end: day + H, summary: "x", tz: "UTC" })
      yield* mine.removeEvent(alice, event.eventId)
      expect(yield* Effect.flip(mine.removeEvent(alice, event.eventId))).toMatchObject({ _tag: "LocalEventNotFound" })
    }))
  })

  it("busy reads the (did, end_at) index", async () => {
    const plan = await env.DB.prepare(
      "EXPLAIN QUERY PLAN SELECT start_at, end_at FROM local_calendar_events WHERE did = ? AND end_at > ? AND start_at < ?"
    ).bind(alice, 0, 1).all<{ detail: string }>()
    expect(plan.results.map((r) => r.detail).join(" ")).toMatch(/local_calendar_events_by_end/)
  })
})
