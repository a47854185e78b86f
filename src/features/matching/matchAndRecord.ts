import { Clock, Effect } from "effect"
import type { MatchOutcome as AnalyticsOutcome } from "../../services/Analytics"
import { Analytics } from "../../services/Analytics"
import { HoldStore, type MatchOutcome, type NewMatchError } from "../../services/HoldStore"
import { type MatchRequest } from "../../domain/holds/matchRequest"

/**
 * `HoldStore.match` with its metrics: `time_to_match` (ms from call to answer, and how it ended) and, for
 * every answer that is not "pending", one `hold_result` (success, or failure with the error's name — never
 * a time). Shared by the XRPC `match` method and the `match-request` queue task.
 */
export const matchAndRecord = (request: MatchRequest): Effect.Effect<MatchOutcome, NewMatchError, HoldStore | Analytics> =>
  Effect.gen(function*() {
    const holds = yield* HoldStore
    const analytics = yield* Analytics
    const started = yield* Clock.currentTimeMillis
    const elapsed = Effect.map(Clock.currentTimeMillis, (now) => now - started)
    return yield* holds.match(request).pipe(
      Effect.tap((outcome) =>
        Effect.flatMap(elapsed, (ms) =>
          outcome._tag === "Held"
            ? Effect.zipRight(analytics.timeToMatch(ms, "held"), analytics.holdResult("success", "held"))
            : analytics.timeToMatch(ms, "pending"))
      ),
      Effect.tapError((error) =>
        Effect.flatMap(elapsed, (ms) => {
          const outcome: AnalyticsOutcome = error._tag === "NoSlotAvailable" ? "no-slot" : error._tag === "SlotInputInvalid" || error._tag === "TooManyHolds" ? "refused" : "error"
          return Effect.zipRight(analytics.timeToMatch(ms, outcome), analytics.holdResult("failure", error._tag))
        })
      )
    )
  })

/** Records a match refused before the hold store was asked (policy tier, unknown offer). */
export const recordRefusedMatch = (reason: string, startedAt: number): Effect.Effect<void, never, Analytics> =>
  Effect.gen(function*() {
    const analytics = yield* Analytics
    const now = yield* Clock.currentTimeMillis
    yield* analytics.timeToMatch(now - startedAt, "refused")
    yield* analytics.holdResult("failure", reason)
  })

/** A stable booking id (≤ 64 chars) for a match keyed by `parts` (a redelivery or a retry maps to the same booking). */
export const bookingIdFor = (...parts: ReadonlyArray<string>): Effect.Effect<string> =>
  Effect.promise(async () => {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\n")))
    return `m-${[...new Uint8Array(digest)].slice(0, 16).map((b) => b.toString(16).padStart(2, "0")).join("")}`
  })
