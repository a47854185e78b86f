import { Schema } from "effect"

/**
 * The `calendar-tasks` message that continues a pending match (providers were rate-limited or slower than
 * the budget). The token names the host object and the match, so a redelivery only re-asks the object,
 * which does nothing once the match has finished.
 */
export const MatchTask = Schema.Struct({
  kind: Schema.Literal("match"),
  token: Schema.String
})
export type MatchTask = typeof MatchTask.Type
