import { Effect } from "effect"
import { BookingsRepo } from "../../../services/BookingsRepo"
import { CalendarProvider } from "../../../services/CalendarProvider"
import { DayShards } from "../../../services/DayShards"
import { type BookingLocks, makeBookingLocks } from "./BookingLocks"
import { HoldLedger, type HoldLedgerShape } from "./HoldLedger"
import { HostWake, MatchTasks } from "./HostMatchPorts"

export interface HostMatchEngineConfig {
  /** Names the object in pending-match tokens (the Durable Object id). */
  readonly objectKey: string
  /** Hold lifetime when a request gives none (`HOLD_TTL_MS`); default DEFAULT_HOLD_TTL_MS. */
  readonly defaultHoldTtlMs?: number
}

/** How many due records one wake-up handles (the next wake-up takes the rest). */
export const DUE_BATCH = 100
/** A due record whose booking has an operation running is looked at again this much later. */
export const IN_FLIGHT_RECHECK_MS = 5_000

/** What every part of one host object's engine shares: its services, its ledger and its booking locks. */
export interface EngineContext {
  readonly config: HostMatchEngineConfig
  readonly calendar: CalendarProvider["Type"]
  readonly bookings: BookingsRepo["Type"]
  readonly ledger: HoldLedgerShape
  readonly tasks: MatchTasks["Type"]
  readonly wake: HostWake["Type"]
  readonly shards: DayShards["Type"]
  readonly locks: BookingLocks
}

export type EngineServices = CalendarProvider | BookingsRepo | HoldLedger | MatchTasks | HostWake | DayShards

export const makeEngineContext = (config: HostMatchEngineConfig): Effect.Effect<EngineContext, never, EngineServices> =>
  Effect.gen(function*() {
    return {
      config,
      calendar: yield* CalendarProvider,
      bookings: yield* BookingsRepo,
      ledger: yield* HoldLedger,
      tasks: yield* MatchTasks,
      wake: yield* HostWake,
      shards: yield* DayShards,
      locks: makeBookingLocks()
    }
  })
