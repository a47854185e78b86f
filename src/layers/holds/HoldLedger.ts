import { Context, Schema } from "effect"
import { clashSearchRange, firstClash, type Span } from "../../domain/holds/overlap"
import { HoldRef } from "../../services/CalendarProvider"
import { MatchRequest, MatchStatus } from "../../services/HoldStore"

/**
 * A host's holds and pending matches, as the host's single writer keeps them: in the Durable Object's
 * SQLite storage (SqliteHoldLedger.ts) or in memory (HoldStore.Test). Every method is SYNCHRONOUS on
 * purpose: `tryReserve` checks and inserts with no `await` in between, so no other request can slip in —
 * a Durable Object's input gate does not cover outbound calls, the reservation does.
 */

/**
 * reserved:  chosen and blocking; calendar holds are being placed (or a crash left it: the alarm cleans up)
 * held:      tentative on both calendars; blocking until `dueAt` (its expiry)
 * booked:    confirmed; blocking until it is released; `dueAt` is when the record may be forgotten
 * releasing: no longer blocking; calendar releases still to do (retried at `dueAt`)
 */
export const HoldState = Schema.Literal("reserved", "held", "booked", "releasing")
export type HoldState = typeof HoldState.Type

/** What one calendar has of a hold: nothing, something we may have placed (outcome unknown), or a known event. */
export const PartyHold = Schema.Union(
  Schema.TaggedStruct("none", {}),
  Schema.TaggedStruct("unknown", {}),
  Schema.TaggedStruct("placed", { ref: HoldRef })
)
export type PartyHold = typeof PartyHold.Type
export const noHold: PartyHold = { _tag: "none" }
export const unknownHold: PartyHold = { _tag: "unknown" }

/** Where a blocking record sits, without the rest of it. */
export interface BlockingSpan extends Span {
  readonly bookingId: string
}

export interface HoldRecord {
  readonly bookingId: string
  readonly hostDid: string
  readonly guestDid: string
  readonly start: number
  readonly end: number
  readonly state: HoldState
  /** reserved/held: expiry · booked: forget after · releasing: next attempt. */
  readonly dueAt: number
  readonly host: PartyHold
  readonly guest: PartyHold
  /** Failed release attempts so far. */
  readonly attempts: number
  /** Zones and title the calendar events were placed with (a release may need to re-place to learn a ref). */
  readonly hostTz: string
  readonly guestTz: string
  readonly summary: string
  readonly createdAt: number
}

export const MatchRecordState = Schema.Literal("pending", "held", "failed")
export type MatchRecordState = typeof MatchRecordState.Type

/** A match answered with a token, continuing through the queue. */
export interface MatchRecord {
  readonly token: string
  readonly bookingId: string
  readonly guestDid: string
  readonly request: MatchRequest
  readonly status: MatchStatus
  readonly attempts: number
  /** pending: the deadline after which it fails · finished: when the record is forgotten. */
  readonly dueAt: number
  readonly createdAt: number
}

/** States whose time is taken. */
export const BLOCKING: ReadonlyArray<HoldState> = ["reserved", "held", "booked"]
export const isBlocking = (state: HoldState): boolean => state !== "releasing"

export interface HoldLedgerShape {
  /** Blocking commitments meeting [from, until): reserved + held as `holds`, booked as `bookings`. */
  readonly commitmentsBetween: (from: number, until: number) => {
    readonly holds: ReadonlyArray<Span>
    readonly bookings: ReadonlyArray<Span>
  }
  /** Blocking records starting in [range.start, range.end): their ids and spans (all the clash check needs). */
  readonly blockingStartingIn: (range: Span) => ReadonlyArray<BlockingSpan>
  readonly get: (bookingId: string) => HoldRecord | undefined
  /** Inserts or replaces the record of `record.bookingId`. */
  readonly put: (record: HoldRecord) => void
  readonly remove: (bookingId: string) => void
  /** Records whose `dueAt` ≤ now, soonest first. */
  readonly dueHolds: (now: number, limit: number) => ReadonlyArray<HoldRecord>
  /** Every record (tests, diagnostics). */
  readonly allHolds: () => ReadonlyArray<HoldRecord>

  readonly getMatch: (token: string) => MatchRecord | undefined
  readonly matchForBooking: (bookingId: string) => MatchRecord | undefined
  readonly putMatch: (record: MatchRecord) => void
  readonly removeMatch: (token: string) => void
  readonly dueMatches: (now: number, limit: number) => ReadonlyArray<MatchRecord>

  /** The earliest `dueAt` of any record: when the object must wake up next. */
  readonly nextDueAt: () => number | undefined
}

export class HoldLedger extends Context.Tag("overlap/HoldLedger")<HoldLedger, HoldLedgerShape>() {}

/**
 * The critical section: inserts `record` (blocking) unless it clashes with a blocking commitment within
 * `gapMs` — other than the one of `excluding` (a meeting being moved does not block its own new time).
 * Synchronous, so nothing interleaves between the check and the insert.
 */
export const tryReserve = (ledger: HoldLedgerShape, record: HoldRecord, gapMs: number, excluding?: string): boolean => {
  const nearby = ledger.blockingStartingIn(clashSearchRange(record, gapMs))
  const others = excluding === undefined ? nearby : nearby.filter((r) => r.bookingId !== excluding)
  if (firstClash(record, others, gapMs) !== undefined) return false
  ledger.put(record)
  return true
}

// ---------------------------------------------------------------- codecs shared by the SQLite ledger

export const PartyHoldJson = Schema.parseJson(PartyHold)
export const MatchRequestJson = Schema.parseJson(MatchRequest)
export const MatchStatusJson = Schema.parseJson(MatchStatus)

// ---------------------------------------------------------------- in memory

/** A ledger in plain maps, with the SQLite ledger's semantics (HoldStore.Test). */
export const memoryHoldLedger = (): HoldLedgerShape => {
  const holds = new Map<string, HoldRecord>()
  const matches = new Map<string, MatchRecord>()
  const blocking = () => [...holds.values()].filter((h) => isBlocking(h.state))
  const soonest = <A extends { readonly dueAt: number }>(items: Iterable<A>, now: number, limit: number) =>
    [...items].filter((r) => r.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt).slice(0, limit)
  return {
    commitmentsBetween: (from, until) => {
      const meeting = blocking().filter((h) => h.end > from && h.start < until)
      return {
        holds: meeting.filter((h) => h.state !== "booked").map(({ end, start }) => ({ start, end })),
        bookings: meeting.filter((h) => h.state === "booked").map(({ end, start }) => ({ start, end }))
      }
    },
    blockingStartingIn: (range) =>
      blocking().filter((h) => h.start >= range.start && h.start < range.end).map(({ bookingId, end, start }) => ({ bookingId, start, end })),
    get: (bookingId) => holds.get(bookingId),
    put: (record) => void holds.set(record.bookingId, record),
    remove: (bookingId) => void holds.delete(bookingId),
    dueHolds: (now, limit) => soonest(holds.values(), now, limit),
    allHolds: () => [...holds.values()].sort((a, b) => a.start - b.start),
    getMatch: (token) => matches.get(token),
    matchForBooking: (bookingId) => [...matches.values()].find((m) => m.bookingId === bookingId),
    putMatch: (record) => void matches.set(record.token, record),
    removeMatch: (token) => void matches.delete(token),
    dueMatches: (now, limit) => soonest(matches.values(), now, limit),
    nextDueAt: () => {
      let next: number | undefined
      for (const r of [...holds.values(), ...matches.values()]) if (next === undefined || r.dueAt < next) next = r.dueAt
      return next
    }
  }
}
