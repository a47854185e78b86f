import type { Effect } from "effect"
import { Context, Schema } from "effect"

/** The verification message could not be queued. Safe to retry (the address stays stored, unverified). */
export class VerificationNotQueued extends Schema.TaggedError<VerificationNotQueued>()("VerificationNotQueued", {
  cause: Schema.Defect
}) {}

/**
 * Asks the notify worker to send a person's (unverified) address the message with its one-time verification
 * link. The queue message names only the person (their DID): the address is read, sealed, at send time.
 */
export class EmailVerifications extends Context.Tag("overlap/EmailVerifications")<EmailVerifications, {
  readonly request: (did: string) => Effect.Effect<void, VerificationNotQueued>
}>() {}
