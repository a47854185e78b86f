import type { Effect, Option } from "effect"
import { Context, Schema } from "effect"
import type { Invitation, InvitationMethod } from "../domain/invitation"

/** The invitation does not satisfy the Invitation schema (the message names the field). Nothing was written. */
export class InvitationInvalid extends Schema.TaggedError<InvitationInvalid>()("InvitationInvalid", {
  message: Schema.String
}) {}

/** R2 refused or failed the operation. */
export class IcsStoreError extends Schema.TaggedError<IcsStoreError>()("IcsStoreError", {
  operation: Schema.String,
  key: Schema.String,
  cause: Schema.Defect
}) {}

/** One stored version of a booking's invitation. */
export interface StoredInvitation {
  /** `ics/<bookingId>/<sequence>.ics` */
  readonly key: string
  readonly ics: string
  /** The iTIP method inside the file: the e-mail part's `method=` parameter must match it. */
  readonly method: InvitationMethod
}

/**
 * Invitations (RFC 5545/5546 iCalendar) written to and read from blob storage, one object per version at
 * `ics/<bookingId>/<sequence>.ics`. Writing the same (booking, sequence) again replaces that version (a
 * retried transition re-renders it), so the caller must bump `sequence` for every real change.
 */
export class IcsStore extends Context.Tag("overlap/IcsStore")<IcsStore, {
  readonly put: (invitation: Invitation) => Effect.Effect<StoredInvitation, InvitationInvalid | IcsStoreError>
  /** `None` when no invitation is stored under `key` (or what is there is not an invitation). */
  readonly get: (key: string) => Effect.Effect<Option.Option<StoredInvitation>, IcsStoreError>
}>() {}
