import { Context, Effect, Layer } from "effect"
import { type ExpansionLimits, parseExpansionLimits } from "../../domain/calendar/expansionBudget"
import { CloudflareEnv, type Env } from "../../platform/CloudflareEnv"

/** The most a free/busy answer may be reused (issue 6: a cache of at most 60 s, inside the object only). */
export const MAX_BUSY_CACHE_MS = 60_000

/** What the connector code reads from the worker's vars and secrets, in one place. */
export interface ConnectorSettingsShape {
  /** AppView origin (OAuth redirect URIs, the page after connecting). */
  readonly publicUrl: string | undefined
  /** Webhooks worker origin, for push channel / subscription notification URLs; absent = no push channels. */
  readonly webhooksPublicUrl: string | undefined
  /** HMAC key of the channel tokens; absent = no push channels. */
  readonly pushChannelSecret: string | undefined
  readonly googleApiBase: string | undefined
  readonly graphApiBase: string | undefined
  /** How long a free/busy answer is reused; clamped to MAX_BUSY_CACHE_MS. */
  readonly busyCacheMs: number
  /** Bounds on expanding recurring CalDAV events (`RECURRENCE_LIMITS`, else the defaults). */
  readonly expansionLimits: ExpansionLimits
}

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value.trim())

export class ConnectorSettings extends Context.Tag("overlap/ConnectorSettings")<ConnectorSettings, ConnectorSettingsShape>() {
  static fromEnv = (env: Env, overrides: Partial<ConnectorSettingsShape> = {}): ConnectorSettingsShape => ({
    publicUrl: nonEmpty(env.PUBLIC_URL),
    webhooksPublicUrl: nonEmpty(env.WEBHOOKS_PUBLIC_URL),
    pushChannelSecret: nonEmpty(env.PUSH_CHANNEL_SECRET),
    googleApiBase: nonEmpty(env.GOOGLE_API_BASE),
    graphApiBase: nonEmpty(env.GRAPH_API_BASE),
    expansionLimits: parseExpansionLimits(env.RECURRENCE_LIMITS),
    ...overrides,
    busyCacheMs: Math.max(0, Math.min(MAX_BUSY_CACHE_MS, overrides.busyCacheMs ?? MAX_BUSY_CACHE_MS))
  })

  static Live: Layer.Layer<ConnectorSettings, never, CloudflareEnv> = Layer.effect(this, Effect.map(CloudflareEnv, (env) => ConnectorSettings.fromEnv(env)))
}
