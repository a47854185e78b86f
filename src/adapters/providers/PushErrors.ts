import { Schema } from "effect"

/** The provider no longer knows this channel / subscription (expired or deleted): create a new one. */
export class PushChannelGone extends Schema.TaggedError<PushChannelGone>()("PushChannelGone", {
  provider: Schema.String,
  channelId: Schema.String
}) {}
