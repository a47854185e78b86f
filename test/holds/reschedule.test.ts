import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { BookingsRepoTest } from "../../src/adapters/memory/BookingsRepoTest"
import { CalendarProviderTest, CalendarTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { HoldStoreInProcess } from "../../src/features/matching/HoldStoreInProcess"
import { BookingsRepo } from "../../src/services/BookingsRepo"
import { Held, HoldStore, type RescheduleRequest } from "../../src/services/HoldStore"
import { DAY, guestDidOf, hostDidOf, matchRequest, MIN, mondayAfter } from "./fixtures"

// HoldStore.reschedule on the engine HostMatchDO runs, in memory: a booked meeting moves in place (same
// booking id, same calendar events, same D1 row), its own time never blocks it, and a failure moves it back.
const TestServices = HoldStoreInProcess.pipe(Layer.provideMerge(Layer.merge(CalendarProviderTest, BookingsRepoTest)))

const T0 = Date.UTC(2026, 0, 5, 7)
const monday = mondayAfter(T0)
const at = (hour: number) => monday + hour * 60 * MIN
const host = hostDidOf("R")
const guest = guestDidOf(1)

/** A meeting booked at 08:00–08:30 (the first slot of the day): held, confirmed in the store and in D1. */
const booked = Effect.gen(function*() {
  yield* TestClock.setTime(T0)
  const holds = yield* HoldStore
  const bookings = yield* BookingsRepo
  const hold = yield* holds.match(matchRequest({ hostDid: host, guestDid: guest, bookingId: "r-1", earliest: monday, latest: monday + DAY, now: T0 }))
  if (!(hold instanceof Held)) throw new Error(`expected a hold, got ${hold._tag}`)
  expect(hold.start).toBe(at(8))
  yield* holds.confirm(host, "r-1")
  const row = yield* bookings.get("r-1")
  return yield* bookings.transition("r-1", row.version, { status: "confirmed", holdExpiresAt: null, sequence: 1 })
})

/** Exactly [start, start + minutes), as BookingEngine asks for a `slot` reschedule. */
const moveTo = (version: number, start: number, minutes = 30): RescheduleRequest => ({
  hostDid: host,
  guestDid: guest,
  bookingId: "r-1",
  offers: [{ _tag: "window", start, end: start + minutes * MIN, timeZone: "UTC" }],
  guest: { timeZone: "UTC", durationMin: minutes, durationMax: minutes, earliest: start, latest: start + minutes * MIN },
  host: { timeZone: "UTC", bufferBeforeMin: 0, bufferAfterMin: 0, minimumNoticeMin: 0, slotStepMin: 5 },
  now: T0,
  expectedVersion: version,
  patch: { status: "rescheduled", sequence: 2, icsR2Key: "ics/r-1/2.ics" }
})

/** Where each calendar has the meeting: [did, eventId, start, end, status]. */
const eventsOf = (calendars: CalendarTestControl["Type"]) =>
  [host, guest].flatMap((did) => calendars.holdsOf(did).map((h) => [did, h.ref.eventId, h.request.start, h.request.end, h.status] as const))

/** A second guest asking for exactly [start, start + 30 min) at this host. */
const otherGuestAt = (start: number) =>
  matchRequest({ hostDid: host, guestDid: guestDidOf(2), bookingId: "r-2", earliest: start, latest: start + 30 * MIN, now: T0, bufferMin: 0 })

describe("HoldStore.reschedule (in memory, the HostMatchDO engine)", () => {
  it.effect("moves the meeting in place to a time overlapping its own: same events, same row, no second row", () =>
    Effect.gen(function*() {
      const before = yield* booked
      const holds = yield* HoldStore
      const bookings = yield* BookingsRepo
      const calendars = yield* CalendarTestControl
      const events = eventsOf(calendars)

      const moved = yield* holds.reschedule(moveTo(before.version, at(8.25)))
      expect(moved).toMatchObject({
        id: "r-1",
        status: "rescheduled",
        startAt: at(8.25),
        endAt: at(8.75),
        sequence: 2,
        icsR2Key: "ics/r-1/2.ics",
        version: before.version + 1
      })
      // The same two events, moved (not new ones), still confirmed.
      expect(eventsOf(calendars)).toEqual(events.map(([did, id, , , status]) => [did, id, at(8.25), at(8.75), status]))
      expect(calendars.calls.filter((c) => c.op === "placeHold")).toHaveLength(2) // the match's two, nothing since
      for (const did of [host, guest]) {
        const page = yield* bookings.listForDid({ did, role: "either", limit: 100 })
        expect(page.items.map((b) => [b.id, b.startAt])).toEqual([["r-1", at(8.25)]])
      }

      // And again, from the new time, back over it.
      const again = yield* holds.reschedule({ ...moveTo(moved.version, at(8), 45), patch: { sequence: 3 } })
      expect(again).toMatchObject({ startAt: at(8), endAt: at(8.75), sequence: 3 })
      expect(eventsOf(calendars).map(([, , start, end]) => [start, end])).toEqual([[at(8), at(8.75)], [at(8), at(8.75)]])
    }).pipe(Effect.provide(TestServices)))

  it.effect("frees the old time and blocks the new one", () =>
    Effect.gen(function*() {
      const before = yield* booked
      const holds = yield* HoldStore
      yield* holds.reschedule(moveTo(before.version, at(14)))
      expect(yield* holds.match(otherGuestAt(at(8)))).toMatchObject({ _tag: "Held", start: at(8) })
      const taken = yield* Effect.flip(holds.match({ ...otherGuestAt(at(14)), bookingId: "r-3", liveHoldsPerGuest: 2 }))
      expect(taken._tag).toBe("NoSlotAvailable")
    }).pipe(Effect.provide(TestServices)))

  it.effect("a calendar that lost the event: refused, the other calendar moved back, nothing else changed", () =>
    Effect.gen(function*() {
      const before = yield* booked
      const holds = yield* HoldStore
      const bookings = yield* BookingsRepo
      const calendars = yield* CalendarTestControl
      const [guestHold] = calendars.holdsOf(guest)
      calendars.holds.delete(`${guest}|${guestHold!.ref.eventId}`) // the guest deleted it by hand

      const refused = yield* Effect.flip(holds.reschedule(moveTo(before.version, at(14))))
      expect(refused).toMatchObject({ _tag: "CalendarUnavailable", party: "guest", reason: "gone" })
      expect(calendars.holdsOf(host).map((h) => [h.request.start, h.request.end])).toEqual([[at(8), at(8.5)]])
      expect(calendars.calls.filter((c) => c.op === "moveHold" && c.did === host)).toHaveLength(2) // there and back
      expect(yield* bookings.get("r-1")).toMatchObject({ status: "confirmed", startAt: at(8), version: before.version })
      // The new time was only reserved during the move: it is free again; the old one is still the meeting's.
      expect(yield* holds.match(otherGuestAt(at(14)))).toMatchObject({ _tag: "Held", start: at(14) })
      expect((yield* Effect.flip(holds.match({ ...otherGuestAt(at(8)), bookingId: "r-3", liveHoldsPerGuest: 2 })))._tag).toBe("NoSlotAvailable")
    }).pipe(Effect.provide(TestServices)))

  it.effect("a D1 row changed meanwhile: BookingVersionConflict, both calendars moved back", () =>
    Effect.gen(function*() {
      const before = yield* booked
      const holds = yield* HoldStore
      const bookings = yield* BookingsRepo
      const calendars = yield* CalendarTestControl
      const refused = yield* Effect.flip(holds.reschedule(moveTo(before.version - 1, at(14))))
      expect(refused._tag).toBe("BookingVersionConflict")
      expect(eventsOf(calendars).map(([, , start]) => start)).toEqual([at(8), at(8)])
      expect(yield* bookings.get("r-1")).toMatchObject({ startAt: at(8), version: before.version })
      expect(yield* holds.match(otherGuestAt(at(14)))).toMatchObject({ _tag: "Held", start: at(14) })
    }).pipe(Effect.provide(TestServices)))

  it.effect("only a booked meeting moves: a hold not yet confirmed, or an unknown id, is HoldNotFound", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      yield* holds.match(matchRequest({ hostDid: host, guestDid: guest, bookingId: "r-1", earliest: monday, latest: monday + DAY, now: T0 }))
      expect((yield* Effect.flip(holds.reschedule(moveTo(1, at(14)))))._tag).toBe("HoldNotFound")
      expect((yield* Effect.flip(holds.reschedule({ ...moveTo(1, at(14)), bookingId: "nope" })))._tag).toBe("HoldNotFound")
    }).pipe(Effect.provide(TestServices)))
})
