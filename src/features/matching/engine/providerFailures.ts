import { Data } from "effect"
import type { HoldGone, ProviderError } from "../../../services/CalendarProvider"
import { type CalendarParty, CalendarUnavailable, ShardBackoff } from "../../../services/HoldStore"

/** Providers are rate-limited or slow: the match goes on through the queue. Internal to the engine. */
export class Backoff extends Data.TaggedError("Backoff")<{
  readonly retryAfterMs: number
  readonly reason: string
  readonly party?: CalendarParty
}> {}

/** One calendar's failure in a two-party step. */
export interface PartyFailure {
  readonly party: CalendarParty
  readonly error: ProviderError | HoldGone
}

export const whose = (party: CalendarParty) => (party === "host" ? "the host's calendar" : "the guest's calendar")

/**
 * What a provider failure means for the match. `subject` names what a calendar that lost its event no
 * longer has (`HoldGone`: a confirm's or a move's call on an existing event).
 */
export const classify = ({ error, party }: PartyFailure, subject = "the hold"): Backoff | CalendarUnavailable => {
  switch (error._tag) {
    case "ProviderRateLimited":
      return new Backoff({ retryAfterMs: error.retryAfterMs, reason: `${whose(party)} is rate-limited`, party })
    case "ProviderUnavailable":
      return new CalendarUnavailable({ party, reason: "unavailable", message: `${whose(party)} cannot be reached right now` })
    case "ConnectorBroken":
      return new CalendarUnavailable({ party, reason: "broken", message: `${whose(party)} needs to be reconnected` })
    case "ProviderRejected":
      return new CalendarUnavailable({ party, reason: "rejected", message: `${whose(party)} refused the hold` })
    case "HoldGone":
      return new CalendarUnavailable({ party, reason: "gone", message: `${whose(party)} no longer has ${subject}` })
  }
}

/** Seconds a caller is told to wait, within what the API allows (1–600). */
export const retryAfterSec = (ms: number) => Math.max(1, Math.min(600, Math.ceil(ms / 1_000)))

/** A day shard's backoff, as it crosses to the host's object (and back). */
export const toShardBackoff = (backoff: Backoff): ShardBackoff =>
  new ShardBackoff({
    retryAfterMs: backoff.retryAfterMs,
    reason: backoff.reason,
    ...(backoff.party !== undefined ? { party: backoff.party } : {})
  })

export const fromShardBackoff = (error: ShardBackoff): Backoff =>
  new Backoff({
    retryAfterMs: error.retryAfterMs,
    reason: error.reason,
    ...(error.party !== undefined ? { party: error.party } : {})
  })
