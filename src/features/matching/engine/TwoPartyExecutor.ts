import { Effect, Either } from "effect"
import type { Span } from "../../../domain/holds/overlap"
import { MAX_PLACE_ATTEMPTS } from "../../../domain/holds/policy"
import { type CalendarParty, type CalendarUnavailable, NoSlotAvailable } from "../../../services/HoldStore"
import type { HostWake } from "./HostMatchPorts"
import type { HoldRecord } from "./HoldLedger"
import { type Backoff, classify, type PartyFailure } from "./providerFailures"

/** Times a reserved time may be refused before the calendars are asked (see `admit`), before the search gives up. */
const MAX_ADMIT_REFUSALS = 8

/** One calendar's part of an attempt: what it now has (`Done`), or why it failed. */
export type PartyResult<Done> = Either.Either<Done, PartyFailure>

/**
 * What one kind of two-party operation (a match placing holds, a reschedule moving events) does at each
 * step of the executor's loop.
 */
export interface TwoPartyStep<Done, A, E> {
  /** The next candidate time reserved in the ledger, or undefined when none is left. */
  readonly reserve: (tried: ReadonlyArray<Span>) => Effect.Effect<HoldRecord | undefined, E>
  /**
   * Before any calendar is asked: false when the reserved time cannot be used after all (the step has
   * dropped the reservation). Another time is tried; this does not count as a calendar attempt.
   */
  readonly admit?: (record: HoldRecord) => Effect.Effect<boolean>
  /** One calendar's part: place a tentative hold, or move the meeting's event. Never fails. */
  readonly party: (record: HoldRecord, party: CalendarParty) => Effect.Effect<PartyResult<Done>>
  /** Both calendars took it: record the outcome (D1, ledger), or roll back and fail. */
  readonly commit: (record: HoldRecord, host: Done, guest: Done) => Effect.Effect<A, E>
  /** A calendar failed: undo what the other one did and drop the reservation. */
  readonly rollBack: (record: HoldRecord, host: PartyResult<Done>, guest: PartyResult<Done>) => Effect.Effect<void>
  /** After a calendar refused the time and the rollback ran: whether another time may be tried now. */
  readonly mayTryAnother: (record: HoldRecord) => boolean
  /** What a calendar that lost its event no longer has, for the `gone` message. */
  readonly subject: string
}

/**
 * The one loop of a match and a reschedule: reserve the next candidate → both calendars in parallel →
 * commit when both did it, else roll back → classify the failure → another time only when a calendar
 * refused this one, up to MAX_PLACE_ATTEMPTS. A rate-limited or slow calendar is `Backoff`.
 */
export const runTwoParty = <Done, A, E>(
  wake: HostWake["Type"],
  step: TwoPartyStep<Done, A, E>
): Effect.Effect<A, E | Backoff | CalendarUnavailable | NoSlotAvailable> =>
  Effect.gen(function*() {
    const tried: Array<Span> = []
    let refusal: CalendarUnavailable | undefined
    let admitRefusals = 0
    for (let attempt = 0; attempt < MAX_PLACE_ATTEMPTS; attempt++) {
      const record = yield* step.reserve(tried)
      if (record === undefined) break
      if (step.admit !== undefined && !(yield* step.admit(record))) {
        tried.push({ start: record.start, end: record.end })
        if (++admitRefusals >= MAX_ADMIT_REFUSALS) break
        attempt--
        continue
      }
      yield* wake.refresh // a crash from here on is cleaned up by the alarm

      const [host, guest] = yield* Effect.all([step.party(record, "host"), step.party(record, "guest")], { concurrency: 2 })
      if (Either.isRight(host) && Either.isRight(guest)) return yield* step.commit(record, host.right, guest.right)

      yield* step.rollBack(record, host, guest)
      const failure = Either.isLeft(host) ? host.left : (guest as Either.Left<PartyFailure, Done>).left
      const meaning = classify(failure, step.subject)
      if (meaning._tag === "Backoff") return yield* meaning
      refusal = meaning
      // Another time is worth a try only when a calendar refused this one.
      if (meaning.reason !== "rejected" || !step.mayTryAnother(record)) return yield* meaning
      tried.push({ start: record.start, end: record.end })
    }
    return yield* refusal ?? new NoSlotAvailable({ message: "no time fits both calendars within the constraints" })
  })
