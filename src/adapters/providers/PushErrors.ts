import { Schema } from "effect"

/** The provider no longer knows this channel / subscription (expired or deleted): create a new one. */
export class PushChannelGone extends Schema.TaggedError<PushChannelGone>()("PushChannelGone", {
  provider: Schema.String,
  channelId: Schema.String
}) {}

/** The incremental-sync cursor expired (Google 410 `fullSyncRequired`): clear it and sync from scratch. */
export class SyncTokenGone extends Schema.TaggedError<SyncTokenGone>()("SyncTokenGone", {
  provider: Schema.String,
  calendarId: Schema.String
}) {}
