import { Either } from "effect"
import type { GuestConstraints, HostRules, Slot, SlotInputInvalid, SlotQuery } from "../../../src/domain/slots"
import { findSlots } from "../../../src/domain/slots"

export const at = (iso: string): number => {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`)
  return ms
}

const short = (ms: number): string => new Date(ms).toISOString().replace(":00.000Z", "Z")

/** Slots as "2024-03-31T07:00Z–15:00Z" (end shown in full when it is on another UTC day). */
export const show = (slots: ReadonlyArray<Slot>): Array<string> =>
  slots.map(({ end, start }) => {
    const s = short(start), e = short(end)
    return s.slice(0, 10) === e.slice(0, 10) ? `${s}–${e.slice(11)}` : `${s}–${e}`
  })

export interface QueryPatch extends Partial<Omit<SlotQuery, "host" | "guest">> {
  readonly host?: Partial<HostRules>
  readonly guest?: Partial<GuestConstraints>
}

/** A query with neutral defaults: UTC, 15-minute step, 30-minute meetings, no buffers or limits. */
export const query = (patch: QueryPatch): SlotQuery => {
  const { guest, host, ...rest } = patch
  const now = rest.now ?? at("2024-01-01T00:00Z")
  return {
    now,
    limit: 1_000,
    offers: [],
    hostBusy: [],
    guestBusy: [],
    holds: [],
    bookings: [],
    ...rest,
    host: { timeZone: "UTC", bufferBeforeMin: 0, bufferAfterMin: 0, minimumNoticeMin: 0, slotStepMin: 15, ...host },
    guest: {
      timeZone: "UTC",
      durationMin: 30,
      durationMax: 30,
      earliest: now,
      latest: now + 30 * 86_400_000,
      ...guest
    }
  }
}

export const slotsOf = (q: SlotQuery): Array<Slot> =>
  Either.getOrElse(findSlots(q), (e) => {
    throw new Error(`unexpected ${e._tag}: ${e.message}`)
  })

export const errorOf = (q: SlotQuery): SlotInputInvalid =>
  Either.match(findSlots(q), {
    onLeft: (e) => e,
    onRight: (slots) => {
      throw new Error(`expected SlotInputInvalid, got ${slots.length} slots`)
    }
  })
