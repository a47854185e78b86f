import type { Effect, Option } from "effect"
import { Context, Schema } from "effect"
import { Did, EpochMillis } from "../domain/identifiers"
import { SettingsDefsSettings } from "../lexicon/schemas"
import type { RepositoryError } from "./RepositoryError"

/** A host's saved settings (private: only the host's `settings.get` answers them; docs/host-rules.md). */
export const StoredHostSettings = Schema.Struct({
  hostDid: Did,
  settings: SettingsDefsSettings,
  updatedAt: EpochMillis
})
export type StoredHostSettings = typeof StoredHostSettings.Type

/** Where hosts' booking rules and date overrides live (D1 `host_settings`, migration 0013). */
export class HostSettingsRepo extends Context.Tag("overlap/HostSettingsRepo")<HostSettingsRepo, {
  /** The host's settings, or none when the host never saved any. */
  readonly get: (hostDid: string) => Effect.Effect<Option.Option<StoredHostSettings>, RepositoryError>
  /** Replaces the host's settings as a whole (validated by the caller first). */
  readonly put: (hostDid: string, settings: SettingsDefsSettings) => Effect.Effect<StoredHostSettings, RepositoryError>
}>() {}
