import type { Effect } from "effect"
import { Context, Schema } from "effect"
import { SessionStoreUnavailable } from "./WebSessions"

/** A signed-in person's settings and the state of their atproto session, as their own page reads it. */
export const AccountSettingsView = Schema.Struct({
  /** Write the masked app.overlap.booking record to the person's PDS. Off by default. */
  publishMeetings: Schema.Boolean,
  /** The atproto session ended (refresh refused, access revoked): Overlap cannot write to their PDS until they sign in again. */
  reauthorizeRequired: Schema.Boolean,
  reauthorizeReason: Schema.optional(Schema.String)
})
export type AccountSettingsView = typeof AccountSettingsView.Type

/** `account_settings` in D1 (migration 0012). */
export class AccountSettings extends Context.Tag("overlap/AccountSettings")<AccountSettings, {
  readonly get: (did: string) => Effect.Effect<AccountSettingsView, SessionStoreUnavailable>
  readonly setPublishMeetings: (did: string, on: boolean) => Effect.Effect<AccountSettingsView, SessionStoreUnavailable>
  /** Marks the atproto session as needing a new sign-in (what the SessionDO found). */
  readonly requireReauthorize: (did: string, reason: string) => Effect.Effect<void, SessionStoreUnavailable>
  /** A new sign-in made a session: the flag is cleared. */
  readonly clearReauthorize: (did: string) => Effect.Effect<void, SessionStoreUnavailable>
}>() {}
