import { Schema } from "effect"

/**
 * The slot query cannot be answered as given: `field` is the path of the offending input
 * (e.g. `offers[2].end`, `guest.durationMin`), `reason` says what is wrong with it. Crosses the wire
 * as an XRPC 400.
 */
export class SlotInputInvalid extends Schema.TaggedError<SlotInputInvalid>()("SlotInputInvalid", {
  field: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.field}: ${this.reason}`
  }
}
