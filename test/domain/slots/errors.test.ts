import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { findSlots, SlotInputInvalid, type SlotQuery } from "../../../src/domain/slots"
import { at, errorOf, query } from "./support"

const now = at("2024-06-03T00:00Z")
const good = query({
  now,
  offers: [
    { _tag: "window", start: at("2024-06-03T09:00Z"), end: at("2024-06-03T12:00Z"), timeZone: "Europe/Berlin" },
    { _tag: "weekly", timeZone: "Europe/Berlin", weekdays: [1, 2], start: "09:00", end: "17:00" }
  ],
  hostBusy: [{ start: at("2024-06-03T10:00Z"), end: at("2024-06-03T11:00Z") }],
  guestBusy: [{ start: at("2024-06-03T10:00Z"), end: at("2024-06-03T11:00Z") }]
})
const interval = { start: at("2024-06-03T10:00Z"), end: at("2024-06-03T10:00Z") }

type Offer = SlotQuery["offers"][number]
const window0 = good.offers[0] as Extract<Offer, { _tag: "window" }>
const offers = (...list: ReadonlyArray<Offer>): SlotQuery => ({ ...good, offers: list })
const rule = (start: string, end: string, weekdays: ReadonlyArray<number> = [1]): SlotQuery =>
  offers({ _tag: "weekly", timeZone: "UTC", weekdays, start, end })
const guest = (patch: Partial<SlotQuery["guest"]>): SlotQuery => ({ ...good, guest: { ...good.guest, ...patch } })
const host = (patch: Partial<SlotQuery["host"]>): SlotQuery => ({ ...good, host: { ...good.host, ...patch } })

// [what, query, field named, reason]
const cases: ReadonlyArray<readonly [string, SlotQuery, string, RegExp]> = [
  ["an inverted offer window", offers({ ...window0, end: at("2024-06-03T08:00Z") }), "offers[0].end", /after start/],
  ["an empty offer window", offers(good.offers[1]!, { ...window0, end: window0.start }), "offers[1].end", /after start/],
  ["an unknown offer zone", offers({ ...window0, timeZone: "Europe/Atlantis" }), "offers[0].timeZone", /unknown IANA time zone "Europe\/Atlantis"/],
  ["a rule whose end equals its start", rule("09:00", "09:00"), "offers[0].end", /differ from start/],
  ["a rule with a bad local time", rule("9am", "17:00"), "offers[0].start", /HH:MM/],
  ["a rule starting at 24:00", rule("24:00", "02:00"), "offers[0].start", /before 24:00/],
  ["a rule with no weekdays", rule("09:00", "17:00", []), "offers[0].weekdays", /at least one/],
  ["a rule with weekday 8", rule("09:00", "17:00", [1, 8]), "offers[0].weekdays[1]", /from 1 to 7/],
  ["an inverted host busy interval", { ...good, hostBusy: [...good.hostBusy, interval] }, "hostBusy[1].end", /after start/],
  ["an inverted guest busy interval", { ...good, guestBusy: [interval] }, "guestBusy[0].end", /after start/],
  ["an inverted hold", { ...good, holds: [interval] }, "holds[0].end", /after start/],
  ["an inverted booking", { ...good, bookings: [interval] }, "bookings[0].end", /after start/],
  ["durationMin > durationMax", guest({ durationMin: 60, durationMax: 30 }), "guest.durationMax", /at least durationMin \(60\)/],
  ["a zero duration", guest({ durationMin: 0 }), "guest.durationMin", /from 1 to 1440/],
  ["earliest > latest", guest({ earliest: now + 1, latest: now }), "guest.latest", /after earliest/],
  ["earliest = latest", guest({ latest: good.guest.earliest }), "guest.latest", /after earliest/],
  ["a search range over 366 days", guest({ latest: now + 367 * 86_400_000 }), "guest.latest", /366 days/],
  ["an unknown guest zone", guest({ timeZone: "Moon/Tranquility" }), "guest.timeZone", /unknown IANA/],
  ["no guest weekdays", guest({ weekdays: [] }), "guest.weekdays", /at least one/],
  ["an unknown host zone", host({ timeZone: "Nowhere" }), "host.timeZone", /unknown IANA/],
  ["a zero step", host({ slotStepMin: 0 }), "host.slotStepMin", /from 1 to 1440/],
  ["a negative step", host({ slotStepMin: -15 }), "host.slotStepMin", /from 1 to 1440/],
  ["a fractional step", host({ slotStepMin: 7.5 }), "host.slotStepMin", /integer/],
  ["a negative buffer", host({ bufferBeforeMin: -5 }), "host.bufferBeforeMin", /from 0/],
  ["a negative notice", host({ minimumNoticeMin: -1 }), "host.minimumNoticeMin", /from 0/],
  ["a negative daily limit", host({ maxBookingsPerDay: -1 }), "host.maxBookingsPerDay", /from 0/],
  ["N = 0", { ...good, limit: 0 }, "limit", /integer from 1/],
  ["a non-integer now", { ...good, now: Number.NaN }, "now", /integer/],
  ["an instant out of range", { ...good, now: at("2400-01-01T00:00Z") }, "now", /between 1900-01-01 and 2300-01-01/]
]

describe("inverted or impossible input is a typed error naming the field", () => {
  it("accepts the valid base query", () => {
    expect(Either.isRight(findSlots(good))).toBe(true)
  })

  it.each(cases.map(([name, q, field, reason]) => [name, field, q, reason] as const))("%s → %s", (_name, field, q, reason) => {
    const error = errorOf(q)
    expect(error).toBeInstanceOf(SlotInputInvalid)
    expect(error._tag).toBe("SlotInputInvalid")
    expect(error.field).toBe(field)
    expect(error.reason).toMatch(reason)
    expect(error.message).toBe(`${field}: ${error.reason}`)
  })
})
