import { Either } from "effect"
import type { BucketDecision, BucketLimit } from "./tokenBucket"

/**
 * Every XRPC method is limited by its class; each class is one token bucket per caller.
 * - `availability`: reads that reveal when someone is free. Tight: repeated queries must not be able
 *   to rebuild a calendar.
 * - `match`: finds and holds a slot (also reveals free time, and costs provider calls).
 * - `mutation`: every other procedure.
 * - `read`: every other query.
 *
 * Two more classes are not XRPC classes but the information budget on a host's calendar
 * (src/features/matching/hostBudget.ts), spent by every `getAvailability`, `match` and `reschedule`:
 * - `hostBudget`: one bucket per (guest, host) pair;
 * - `hostStrangers`: one bucket per host, shared by every guest the host does not follow (and every
 *   anonymous guest): fresh DIDs (a wildcard domain mints any number of did:web) all
 *   draw from it.
 *
 * And one class guards authentication itself (src/features/xrpc/authGate.ts):
 * - `authAttempts`: one bucket per client network (IP prefix), taken before a service-auth token is
 *   looked at — before any identity resolution, signature check or `jti` insert — and drained
 *   `AUTH_FAILURE_COST` times faster by every token that fails, so forged tokens (and the did:web
 *   fetches they would cause) stop at the network's budget.
 */
export type MethodClass = "availability" | "match" | "mutation" | "read" | "hostBudget" | "hostStrangers" | "authAttempts"
export const methodClasses: ReadonlyArray<MethodClass> = ["availability", "match", "mutation", "read", "hostBudget", "hostStrangers", "authAttempts"]

export type RateLimits = Readonly<Record<MethodClass, BucketLimit>>

/**
 * Defaults when `RATE_LIMITS` does not set a class. Per caller DID (or anonymous IP prefix):
 * availability: a burst of 10, then one every 2 minutes (30/h);
 * match: a burst of 5, then one every 3 minutes (20/h);
 * mutation: a burst of 30, then one every 2 s;
 * read: a burst of 60, then 2 per second;
 * hostBudget (per guest and host): a burst of HOST_BUDGET_BURST, then one every 6 hours;
 * hostStrangers (per host, all strangers together): a burst of HOST_STRANGERS_BURST, then one every 6 hours;
 * authAttempts (per client IP prefix): a burst of 600 service-auth attempts, then 10 a second — a failed one
 * costs AUTH_FAILURE_COST more, so a network sending only bad tokens gets ~28 at once, then one every 2 s.
 * (test/api/calendarMapping.test.ts states what an adversary can learn with these.)
 */
export const HOST_BUDGET_BURST = 4
export const HOST_STRANGERS_BURST = 4
/** Extra `authAttempts` tokens a failed authentication costs (on top of the attempt's own one). */
export const AUTH_FAILURE_COST = 20
export const defaultRateLimits: RateLimits = {
  availability: { capacity: 10, refillPerSecond: 1 / 120 },
  match: { capacity: 5, refillPerSecond: 1 / 180 },
  mutation: { capacity: 30, refillPerSecond: 0.5 },
  read: { capacity: 60, refillPerSecond: 2 },
  hostBudget: { capacity: HOST_BUDGET_BURST, refillPerSecond: 1 / (6 * 3600) },
  hostStrangers: { capacity: HOST_STRANGERS_BURST, refillPerSecond: 1 / (6 * 3600) },
  authAttempts: { capacity: 600, refillPerSecond: 10 }
}

const classOfMethod: Readonly<Record<string, MethodClass>> = {
  "app.overlap.getAvailability": "availability",
  "app.overlap.match": "match",
  // rescheduling searches for and holds a new slot, exactly like match
  "app.overlap.reschedule": "match"
}

/** The class of an XRPC method: the table above, else `mutation` for procedures (POST) and `read` for queries. */
export const methodClassOf = (nsid: string, httpMethod: string): MethodClass =>
  classOfMethod[nsid] ?? (httpMethod.toUpperCase() === "POST" ? "mutation" : "read")

/**
 * Reads the `RATE_LIMITS` var: a JSON object from class name to `{ "capacity": n, "refillPerSecond": r }`,
 * e.g. `{"availability":{"capacity":10,"refillPerSecond":0.0083}}`. Classes it leaves out keep their
 * defaults; absent or empty text means all defaults. Anything else is an error naming what is wrong.
 */
export const parseRateLimits = (text: string | undefined): Either.Either<RateLimits, string> => {
  if (text === undefined || text.trim() === "") return Either.right(defaultRateLimits)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return Either.left(`RATE_LIMITS: not JSON (${(error as Error).message})`)
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return Either.left("RATE_LIMITS: expected an object from method class to limit")
  }
  const limits: Record<MethodClass, BucketLimit> = { ...defaultRateLimits }
  for (const [name, value] of Object.entries(parsed)) {
    if (!methodClasses.includes(name as MethodClass)) {
      return Either.left(`RATE_LIMITS.${name}: unknown method class (one of ${methodClasses.join(", ")})`)
    }
    const limit = value as Partial<BucketLimit> | null
    const capacity = limit?.capacity
    const refillPerSecond = limit?.refillPerSecond
    if (typeof capacity !== "number" || !Number.isFinite(capacity) || capacity < 1) {
      return Either.left(`RATE_LIMITS.${name}.capacity: must be a number >= 1`)
    }
    if (typeof refillPerSecond !== "number" || !Number.isFinite(refillPerSecond) || refillPerSecond <= 0) {
      return Either.left(`RATE_LIMITS.${name}.refillPerSecond: must be a number > 0`)
    }
    limits[name as MethodClass] = { capacity, refillPerSecond }
  }
  return Either.right(limits)
}

/**
 * The rate-limit response headers of the IETF draft (draft-ietf-httpapi-ratelimit-headers, the
 * `RateLimit-Limit` / `-Remaining` / `-Reset` form; delta-seconds, rounded up), plus `Retry-After`
 * on a refusal.
 */
export const rateLimitHeaders = (limit: BucketLimit, decision: BucketDecision): Record<string, string> => ({
  "ratelimit-limit": String(Math.floor(limit.capacity)),
  "ratelimit-remaining": String(decision.remaining),
  "ratelimit-reset": String(Math.ceil(decision.resetMs / 1000)),
  ...(decision.allowed ? {} : { "retry-after": String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))) })
})
