import { Either } from "effect"
import { DAY_MS, MINUTES_PER_DAY, parseLocalTime } from "./civil"
import { SlotInputInvalid } from "./errors"
import type { GuestConstraints, HostRules, Interval, SlotQuery } from "./query"
import { SlotBounds } from "./query"
import { parseCivilDate } from "./hostCalendar"
import { type Zone, zoneFor } from "./zone"

/** An offer with its zone resolved and its local times parsed. */
export type ResolvedOffer =
  | { readonly _tag: "window"; readonly start: number; readonly end: number; readonly zone: Zone }
  | {
    readonly _tag: "weekly"
    readonly zone: Zone
    /** Bit `1 << isoWeekday` set for each weekday the rule runs on. */
    readonly weekdayMask: number
    /** Minutes after local midnight of the rule's day; `endMin` > `startMin` (+1440 when crossing midnight). */
    readonly startMin: number
    readonly endMin: number
    /** Windows are cut to [validFrom, validUntil) (the instant bounds when the rule states none). */
    readonly validFrom: number
    readonly validUntil: number
  }

/** A query that passed every check, with zones resolved. */
export interface ValidQuery {
  readonly query: SlotQuery
  readonly offers: ReadonlyArray<ResolvedOffer>
  readonly hostZone: Zone
  readonly guestZone: Zone
  /** Bit `1 << isoWeekday` set for each weekday the guest accepts. */
  readonly guestWeekdayMask: number
}

/** Thrown inside this module only, and turned into a `Left` by `validateQuery`. */
class Invalid {
  constructor(readonly field: string, readonly reason: string) {}
}
const fail = (field: string, reason: string): never => {
  throw new Invalid(field, reason)
}

const instant = (value: number, field: string): void => {
  if (!Number.isSafeInteger(value)) fail(field, "must be an integer number of epoch milliseconds")
  if (value < SlotBounds.minInstant || value >= SlotBounds.maxInstant) {
    fail(field, "must lie between 1900-01-01 and 2300-01-01 UTC")
  }
}

const integer = (value: number, min: number, max: number, field: string): void => {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    fail(field, `must be an integer from ${min} to ${max}`)
  }
}

const zone = (name: string, field: string): Zone =>
  (typeof name === "string" ? zoneFor(name) : undefined) ?? fail(field, `unknown IANA time zone "${String(name)}"`)

const weekdayMask = (weekdays: ReadonlyArray<number>, field: string): number => {
  if (weekdays.length === 0) fail(field, "must list at least one weekday (1 = Monday … 7 = Sunday)")
  let mask = 0
  weekdays.forEach((day, i) => {
    integer(day, 1, 7, `${field}[${i}]`)
    mask |= 1 << day
  })
  return mask
}

const intervals = (list: ReadonlyArray<Interval>, field: string): void => {
  for (let i = 0; i < list.length; i++) {
    const { end, start } = list[i]!
    instant(start, `${field}[${i}].start`)
    instant(end, `${field}[${i}].end`)
    if (end <= start) fail(`${field}[${i}].end`, "must be after start")
  }
}

const civilDate = (text: string, field: string): number =>
  (typeof text === "string" ? parseCivilDate(text) : undefined) ?? fail(field, "must be a real date YYYY-MM-DD")

const dateOverrides = (list: NonNullable<HostRules["dateOverrides"]>, field: string): void => {
  if (list.length > SlotBounds.maxDateOverrides) fail(field, `must have at most ${SlotBounds.maxDateOverrides} entries`)
  list.forEach((o, i) => {
    const first = civilDate(o.from, `${field}[${i}].from`)
    const last = civilDate(o.until, `${field}[${i}].until`)
    if (last < first) fail(`${field}[${i}].until`, "must not be before from")
    if (last - first >= SlotBounds.maxRangeDays) fail(`${field}[${i}].until`, `must be less than ${SlotBounds.maxRangeDays} days after from`)
    if (o.hours.length > SlotBounds.maxOverrideHours) fail(`${field}[${i}].hours`, `must have at most ${SlotBounds.maxOverrideHours} ranges`)
    o.hours.forEach((h, j) => {
      const start = parseLocalTime(h.start)
      const end = parseLocalTime(h.end)
      if (start === undefined || start === MINUTES_PER_DAY) fail(`${field}[${i}].hours[${j}].start`, "must be a local time HH:MM before 24:00")
      if (end === undefined) fail(`${field}[${i}].hours[${j}].end`, "must be a local time HH:MM (24:00 allowed)")
      if (end! <= start!) fail(`${field}[${i}].hours[${j}].end`, "must be after start")
    })
  })
}

const hostRules = (host: HostRules): Zone => {
  const hostZone = zone(host.timeZone, "host.timeZone")
  integer(host.bufferBeforeMin, 0, SlotBounds.maxMinutes, "host.bufferBeforeMin")
  integer(host.bufferAfterMin, 0, SlotBounds.maxMinutes, "host.bufferAfterMin")
  integer(host.minimumNoticeMin, 0, SlotBounds.maxNoticeMin, "host.minimumNoticeMin")
  if (host.maxBookingsPerDay !== undefined) {
    integer(host.maxBookingsPerDay, 0, SlotBounds.maxBookingsPerDay, "host.maxBookingsPerDay")
  }
  if (host.maxBookingsPerWeek !== undefined) {
    integer(host.maxBookingsPerWeek, 0, SlotBounds.maxBookingsPerWeek, "host.maxBookingsPerWeek")
  }
  if (host.horizonDays !== undefined) integer(host.horizonDays, 0, SlotBounds.maxHorizonDays, "host.horizonDays")
  const first = host.bookableFrom === undefined ? undefined : civilDate(host.bookableFrom, "host.bookableFrom")
  const last = host.bookableUntil === undefined ? undefined : civilDate(host.bookableUntil, "host.bookableUntil")
  if (first !== undefined && last !== undefined && last < first) fail("host.bookableUntil", "must not be before bookableFrom")
  if (host.dateOverrides !== undefined) dateOverrides(host.dateOverrides, "host.dateOverrides")
  integer(host.slotStepMin, 1, SlotBounds.maxMinutes, "host.slotStepMin")
  if (host.preferredDurationMin !== undefined) {
    integer(host.preferredDurationMin, 1, SlotBounds.maxMinutes, "host.preferredDurationMin")
  }
  return hostZone
}

const guestConstraints = (guest: GuestConstraints): { zone: Zone; weekdayMask: number } => {
  const guestZone = zone(guest.timeZone, "guest.timeZone")
  integer(guest.durationMin, 1, SlotBounds.maxMinutes, "guest.durationMin")
  integer(guest.durationMax, 1, SlotBounds.maxMinutes, "guest.durationMax")
  if (guest.durationMax < guest.durationMin) {
    fail("guest.durationMax", `must be at least durationMin (${guest.durationMin})`)
  }
  instant(guest.earliest, "guest.earliest")
  instant(guest.latest, "guest.latest")
  if (guest.latest <= guest.earliest) fail("guest.latest", "must be after earliest")
  if (guest.latest - guest.earliest > SlotBounds.maxRangeDays * DAY_MS) {
    fail("guest.latest", `must be at most ${SlotBounds.maxRangeDays} days after earliest`)
  }
  const mask = guest.weekdays === undefined ? 0b1111_1110 : weekdayMask(guest.weekdays, "guest.weekdays")
  return { zone: guestZone, weekdayMask: mask }
}

const offer = (o: SlotQuery["offers"][number], field: string): ResolvedOffer => {
  switch (o._tag) {
    case "window": {
      instant(o.start, `${field}.start`)
      instant(o.end, `${field}.end`)
      if (o.end <= o.start) fail(`${field}.end`, "must be after start")
      return { _tag: "window", start: o.start, end: o.end, zone: zone(o.timeZone, `${field}.timeZone`) }
    }
    case "weekly": {
      const ruleZone = zone(o.timeZone, `${field}.timeZone`)
      const mask = weekdayMask(o.weekdays, `${field}.weekdays`)
      const startMin = parseLocalTime(o.start)
      const endMin = parseLocalTime(o.end)
      if (startMin === undefined || startMin === MINUTES_PER_DAY) {
        fail(`${field}.start`, "must be a local time HH:MM before 24:00")
      }
      if (endMin === undefined) fail(`${field}.end`, "must be a local time HH:MM (24:00 allowed)")
      if (endMin === startMin) fail(`${field}.end`, "must differ from start (an earlier end crosses midnight)")
      if (o.validFrom !== undefined) instant(o.validFrom, `${field}.validFrom`)
      if (o.validUntil !== undefined) instant(o.validUntil, `${field}.validUntil`)
      const validFrom = o.validFrom ?? SlotBounds.minInstant
      const validUntil = o.validUntil ?? SlotBounds.maxInstant
      if (validUntil <= validFrom) fail(`${field}.validUntil`, "must be after validFrom")
      return {
        validFrom,
        validUntil,
        _tag: "weekly",
        zone: ruleZone,
        weekdayMask: mask,
        startMin: startMin!,
        endMin: endMin! < startMin! ? endMin! + MINUTES_PER_DAY : endMin!
      }
    }
    default:
      return fail(`${field}._tag`, `must be "window" or "weekly"`)
  }
}

/**
 * Check a slot query and resolve its zones. Every failure names the offending field; nothing is
 * silently dropped (an inverted interval is an error, not an empty answer).
 */
export const validateQuery = (query: SlotQuery): Either.Either<ValidQuery, SlotInputInvalid> => {
  try {
    instant(query.now, "now")
    integer(query.limit, 1, Number.MAX_SAFE_INTEGER, "limit")
    const hostZone = hostRules(query.host)
    const guest = guestConstraints(query.guest)
    const offers = query.offers.map((o, i) => offer(o, `offers[${i}]`))
    intervals(query.hostBusy, "hostBusy")
    intervals(query.guestBusy, "guestBusy")
    intervals(query.holds, "holds")
    intervals(query.bookings, "bookings")
    return Either.right({ query, offers, hostZone, guestZone: guest.zone, guestWeekdayMask: guest.weekdayMask })
  } catch (e) {
    if (e instanceof Invalid) return Either.left(new SlotInputInvalid({ field: e.field, reason: e.reason }))
    throw e
  }
}
