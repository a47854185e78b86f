import { Effect } from "effect"
import { dayOf } from "../../../domain/holds/shards"
import type { HoldStoreError, HostCommitments } from "../../../services/HoldStore"
import type { EngineContext } from "./EngineContext"

/** How many day shards one commitments read asks at once. */
const SHARD_READS = 8

/**
 * The host's blocking commitments meeting [from, until), as the caps count them (`findSlots`' `holds` and
 * `bookings`): what `getAvailability` subtracts so that a day or week the caps have closed offers nothing.
 *
 * - the host's object, day shards off: its own ledger;
 * - the host's object, day shards on: every shard it sent matches to whose day may hold a commitment
 *   meeting the range (a hold lasts at most a day, so from the day before `from`), each asked for its own;
 * - a day shard (`inDay`): only the holds starting on its day, so the markers it keeps of its neighbours'
 *   holds are not counted twice.
 */
export const makeCommitmentsView = ({ ledger, shards }: EngineContext) =>
(hostDid: string, from: number, until: number, inDay?: number): Effect.Effect<HostCommitments, HoldStoreError> =>
  Effect.suspend((): Effect.Effect<HostCommitments, HoldStoreError> => {
    if (inDay !== undefined) {
      const own = ledger.commitmentsBetween(from, until)
      const onDay = (span: { readonly start: number }) => dayOf(span.start) === inDay
      return Effect.succeed({ holds: own.holds.filter(onDay), bookings: own.bookings.filter(onDay) })
    }
    if (!ledger.dayShards()) return Effect.succeed(ledger.commitmentsBetween(from, until))
    const last = dayOf(until)
    const days = ledger.shardDaysFrom(dayOf(from) - 1).filter((day) => day <= last)
    return Effect.forEach(days, (day) => shards.commitments(hostDid, day, from, until), { concurrency: SHARD_READS }).pipe(
      Effect.map((parts) => ({ holds: parts.flatMap((p) => p.holds), bookings: parts.flatMap((p) => p.bookings) }))
    )
  })
