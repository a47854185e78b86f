import { Context, type Effect, type Option, Schema } from "effect"

/** A live push channel: a Google events watch channel or a Microsoft Graph subscription. */
export interface PushChannel {
  readonly provider: "google" | "microsoft"
  /** Google: the channel id Overlap chose. Graph: the subscription id Graph assigned. */
  readonly channelId: string
  readonly connectorId: string
  readonly did: string
  /** Google calendar id, or the Graph subscription resource (e.g. `me/events`). */
  readonly calendarId: string
  /** Google's resource id (channels.stop needs it); undefined for Graph. */
  readonly resourceId?: string | undefined
  readonly expiresAt: number
  readonly createdAt: number
}

export class PushChannelStoreError extends Schema.TaggedError<PushChannelStoreError>()("PushChannelStoreError", {
  cause: Schema.Defect
}) {}

/** Where push channels are recorded (D1 `connector_push_channels`, migrations/0005). No secrets in it. */
export class PushChannels extends Context.Tag("overlap/PushChannels")<
  PushChannels,
  {
    readonly find: (provider: PushChannel["provider"], channelId: string) => Effect.Effect<Option.Option<PushChannel>, PushChannelStoreError>
    /** Inserts or replaces the row for (provider, channelId). */
    readonly put: (channel: PushChannel) => Effect.Effect<void, PushChannelStoreError>
    readonly remove: (provider: PushChannel["provider"], channelId: string) => Effect.Effect<void, PushChannelStoreError>
    /** Channels expiring at or before `at`, soonest first (the renewal cron). */
    readonly expiringBefore: (at: number, limit: number) => Effect.Effect<ReadonlyArray<PushChannel>, PushChannelStoreError>
    readonly forConnector: (connectorId: string) => Effect.Effect<ReadonlyArray<PushChannel>, PushChannelStoreError>
  }
>() {}
