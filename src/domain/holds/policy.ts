import { backoffDelay } from "../backoff"
import { HOUR_MS, MINUTE_MS } from "../slots/civil"

/** How long a hold lives unless its booking is finalized (issue 3: 15 minutes by default). */
export const DEFAULT_HOLD_TTL_MS = 15 * MINUTE_MS
export const MIN_HOLD_TTL_MS = 1_000
export const MAX_HOLD_TTL_MS = 24 * HOUR_MS

/**
 * How long a match may wait for free/busy before it answers with a token and continues through the
 * `calendar-tasks` queue; a match run from the queue gets the longer budget.
 */
export const DEFAULT_MATCH_BUDGET_MS = 2_000
export const QUEUED_MATCH_BUDGET_MS = 20_000

/** A placeHold that has not answered by then counts as failed (the rollback releases it if it landed). */
export const PLACE_TIMEOUT_MS = 10_000

/**
 * How many live holds (reserved or held, not yet expired; confirmed meetings do not count) one guest may
 * have on one host's time at once. A host may allow more (`MatchRequest.liveHoldsPerGuest`); the host's
 * object enforces it for every way a match starts (issue 12, item 1).
 */
export const DEFAULT_LIVE_HOLDS_PER_GUEST = 1
export const MAX_LIVE_HOLDS_PER_GUEST = 20

/** Candidates tried when a calendar refuses a particular time (ProviderRejected) before giving up. */
export const MAX_PLACE_ATTEMPTS = 3

/** A pending match that the queue has not finished by then is marked failed (the message was lost). */
export const PENDING_MATCH_DEADLINE_MS = 15 * MINUTE_MS
/** Finished pending-match records stay this long for getMatchStatus polls. */
export const MATCH_RECORD_RETENTION_MS = 24 * HOUR_MS
/** Booked commitments stay in the host object until this long after they end (they block time until then). */
export const BOOKED_RETENTION_MS = 24 * HOUR_MS

/** Releases that fail are retried with exponential backoff: 30 s, 1 min, 2 min … capped at 1 h. */
export const releaseRetryDelayMs = (attempt: number): number =>
  backoffDelay({ base: 30_000, cap: HOUR_MS }, attempt)
/** After this many failed attempts (about two days) a release is given up and logged as an error. */
export const MAX_RELEASE_ATTEMPTS = 52

/** D1 mirror writes that fail during expiry are retried after this long. */
export const STORE_RETRY_MS = 30_000

/**
 * A pending-match token: the host object's id (hex) and 128 random bits, so a poll can be routed to the
 * object without knowing the host, and a token cannot be guessed. At most 64 + 1 + 32 characters.
 */
export const makeMatchToken = (objectKey: string, random: Uint8Array): string =>
  `${objectKey}.${[...random].map((b) => b.toString(16).padStart(2, "0")).join("")}`

/** The object key of a token, or undefined when the token is not one of ours. */
export const objectKeyOfToken = (token: string): string | undefined => {
  const match = /^([0-9a-z-]{1,64})\.([0-9a-f]{32})$/.exec(token)
  return match?.[1]
}

/**
 * Turning a host's `dayShards` switch off waits until no match has been sent to a day shard for this long
 * (longer than any match can run: the longest budget, placements and the mirror), so nothing sent before the
 * switch can still reserve in a shard after it.
 */
export const DAY_SHARDS_QUIET_MS = 5 * MINUTE_MS
/** A marker whose owner keeps blocking is looked at again no sooner than this. */
export const MARKER_RECHECK_MS = MINUTE_MS
