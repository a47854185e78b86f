import { Effect, Option } from "effect"
import { effectiveRules, type EffectiveRules, NO_SETTINGS } from "../../domain/settings/hostSettings"
import { HostSettingsRepo } from "../../services/HostSettingsRepo"
import type { RepositoryError } from "../../services/RepositoryError"

/**
 * The rules a match, an availability answer or a reschedule of `hostDid` uses: the host's saved settings
 * (defaults when none), with the event type's own rules over them when one of `eventType`'s keys (its slug, its
 * at-uri) is listed in the settings. Read per request: a host's change applies to the next request.
 */
export const hostRulesFor = (
  hostDid: string,
  eventType?: string | ReadonlyArray<string>
): Effect.Effect<EffectiveRules, RepositoryError, HostSettingsRepo> =>
  Effect.flatMap(HostSettingsRepo, (repo) => repo.get(hostDid)).pipe(
    Effect.map((stored) => effectiveRules(Option.match(stored, { onNone: () => NO_SETTINGS, onSome: (s) => s.settings }), eventType))
  )

/** The keys a host's per-event-type rules may be saved under: the event type's slug and its at-uri. */
export const eventTypeKeys = (
  eventType: { readonly slug: string; readonly uri: string | undefined } | undefined
): ReadonlyArray<string> | undefined =>
  eventType === undefined ? undefined : eventType.uri === undefined ? [eventType.slug] : [eventType.slug, eventType.uri]
