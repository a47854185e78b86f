import { Context, Schema } from "effect"
import { clashSearchRange, firstClash, type Span } from "../../../domain/holds/overlap"
import { HoldRef } from "../../../services/CalendarProvider"
import { MatchStatus } from "../../../services/HoldStore"
import { MatchRequest } from "../../../domain/holds/matchRequest"
import type { WeekClaim } from "../../../domain/holds/weekClaims"

/**
 * A host's holds and pending matches, as the host's single writer keeps them: in the Durable Object's
 * SQLite storage (SqliteHoldLedger.ts) or in memory (HoldStoreInProcess). Every method is SYNCHRONOUS on
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

/** Which day shard holds a booking (the host's object keeps this while its day shards are on). */
export interface ShardHome {
  readonly hostDid: string
  readonly day: number
}

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
  /** The match records (any status) whose guest or host is `did` (account deletion). */
  readonly matchesOf: (did: string) => ReadonlyArray<MatchRecord>

  /** The earliest `dueAt` of any record (and `forgetAt` of any home): when the object must wake up next. */
  readonly nextDueAt: () => number | undefined

  // -------------------------------------------------------------- day shards (the host's main object)

  /** The host's `dayShards` switch (kept by the host's main object; never on in a day shard). */
  readonly dayShards: () => boolean
  readonly setDayShards: (on: boolean) => void
  /** A match is being sent to the shard of `day` at `at`: remembered for the switch's safety checks. */
  readonly noteForward: (day: number, at: number) => void
  /** When a match was last sent to a day shard (0: never). */
  readonly lastForwardAt: () => number
  /** The days whose shards were sent matches, from `fromDay` on. */
  readonly shardDaysFrom: (fromDay: number) => ReadonlyArray<number>
  /** The home shard of a booking held in a day shard (its host and UTC day); forgotten after `forgetAt`. */
  readonly putHome: (bookingId: string, home: ShardHome, forgetAt: number) => void
  readonly homeOf: (bookingId: string) => ShardHome | undefined
  /** Drops homes (and shard days) no longer needed at `now`. */
  readonly forgetHomes: (now: number) => void
  /** Drops every home of `hostDid`'s holds (account deletion, once its holds are released); how many. */
  readonly forgetHomesOf: (hostDid: string) => number
  /** The other day shards a hold homed here is registered in (markers), so a release can drop them there. */
  readonly putMarks: (bookingId: string, days: ReadonlyArray<number>) => void
  /** Those days, forgotten here as they are answered. */
  readonly takeMarks: (bookingId: string) => ReadonlyArray<number>
  /** Blocking records of this object's own (markers of other shards' holds are not counted). */
  readonly ownBlockingCount: () => number
  /**
   * The keys of a guest's live holds here: reserved or held records of `guestDid` whose `dueAt` is after
   * `now` (markers of the guest's holds in neighbouring day shards included; confirmed meetings not).
   */
  readonly liveHoldsOfGuest: (guestDid: string, now: number) => ReadonlyArray<string>
  /** The host's object with day shards on: the weekly cap's claims (src/domain/holds/weekClaims.ts) of one week. */
  readonly weekClaims: (week: number) => ReadonlyArray<WeekClaim>
  readonly weekClaimOf: (bookingId: string) => WeekClaim | undefined
  /** Inserts or replaces the claim of `claim.bookingId`. */
  readonly putWeekClaim: (claim: WeekClaim) => void
  readonly removeWeekClaim: (bookingId: string) => void
  /** Drops the claims of slots starting before `before` (their weeks are over). */
  readonly forgetWeekClaims: (before: number) => void
}

export class HoldLedger extends Context.Tag("overlap/HoldLedger")<HoldLedger, HoldLedgerShape>() {}

/** A marker's key (see src/domain/holds/shards.ts): `<bookingId>#d<day>`. */
export const isMarker = (bookingId: string): boolean => /#d-?\d+$/.test(bookingId)

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

/** A ledger in plain maps, with the SQLite ledger's semantics (HoldStoreInProcess). */
export const memoryHoldLedger = (): HoldLedgerShape => {
  const holds = new Map<string, HoldRecord>()
  const matches = new Map<string, MatchRecord>()
  const homes = new Map<string, { readonly home: ShardHome; readonly forgetAt: number }>()
  const shardDays = new Set<number>()
  const marks = new Map<string, ReadonlyArray<number>>()
  const weekClaims = new Map<string, WeekClaim>()
  const settings = { dayShards: false, lastForwardAt: 0 }
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
    matchesOf: (did) => [...matches.values()].filter((m) => m.guestDid === did || m.request.hostDid === did),
    nextDueAt: () => {
      let next: number | undefined
      for (const r of [...holds.values(), ...matches.values()]) if (next === undefined || r.dueAt < next) next = r.dueAt
      for (const h of homes.values()) if (next === undefined || h.forgetAt < next) next = h.forgetAt
      return next
    },
    dayShards: () => settings.dayShards,
    setDayShards: (on) => void (settings.dayShards = on),
    noteForward: (day, at) => {
      shardDays.add(day)
      settings.lastForwardAt = Math.max(settings.lastForwardAt, at)
    },
    lastForwardAt: () => settings.lastForwardAt,
    shardDaysFrom: (fromDay) => [...shardDays].filter((d) => d >= fromDay).sort((a, b) => a - b),
    putHome: (bookingId, home, forgetAt) => void homes.set(bookingId, { home, forgetAt }),
    homeOf: (bookingId) => homes.get(bookingId)?.home,
    forgetHomes: (now) => {
      for (const [id, home] of homes) if (home.forgetAt <= now) homes.delete(id)
    },
    forgetHomesOf: (hostDid) => {
      let removed = 0
      for (const [id, { home }] of homes) if (home.hostDid === hostDid && homes.delete(id)) removed++
      return removed
    },
    putMarks: (bookingId, days) => void (days.length > 0 ? marks.set(bookingId, [...days]) : marks.delete(bookingId)),
    takeMarks: (bookingId) => {
      const days = marks.get(bookingId) ?? []
      marks.delete(bookingId)
      return days
    },
    ownBlockingCount: () => blocking().filter((h) => !isMarker(h.bookingId)).length,
    liveHoldsOfGuest: (guestDid, now) =>
      [...holds.values()]
        .filter((h) => h.guestDid === guestDid && (h.state === "reserved" || h.state === "held") && h.dueAt > now)
        .map((h) => h.bookingId),
    weekClaims: (week) => [...weekClaims.values()].filter((c) => c.week === week),
    weekClaimOf: (bookingId) => weekClaims.get(bookingId),
    putWeekClaim: (claim) => void weekClaims.set(claim.bookingId, claim),
    removeWeekClaim: (bookingId) => void weekClaims.delete(bookingId),
    forgetWeekClaims: (before) => {
      for (const [id, claim] of weekClaims) if (claim.start < before) weekClaims.delete(id)
    }
  }
}
