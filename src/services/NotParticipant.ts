import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/**
 * The caller takes no part in what they named: a match (by its `token`) or a booking (by `bookingId`) belongs to
 * its host and guest only (403). One class for both: HoldStore.getMatchStatus and BookingLifecycle fail with it.
 */
export class NotParticipant extends Schema.TaggedError<NotParticipant>()(
  "NotParticipant",
  {
    token: Schema.optional(Schema.String),
    bookingId: Schema.optional(Schema.String),
    message: Schema.String
  },
  HttpApiSchema.annotations({ status: 403 })
) {
  constructor(
    props: { readonly token?: string; readonly bookingId?: string; readonly message?: string },
    options?: Schema.MakeOptions
  ) {
    const message = props.message ??
      (props.token !== undefined ? "token: this match belongs to another caller" : "only the booking's host or guest may do this")
    super({ ...props, message }, options)
  }
}
