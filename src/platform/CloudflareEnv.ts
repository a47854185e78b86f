import { Context, Layer } from "effect"

/**
 * The bindings and vars of the Overlap workers. One interface for all four workers: each wrangler
 * config binds the subset its entrypoint's layers use (see docs/architecture.md, "Bindings").
 * Secrets (wrangler secret put / .dev.vars) are optional here: a layer that needs one says so
 * with a typed error when it is missing.
 */
export interface Env {
  // --- data ---
  readonly DB: D1Database
  readonly BLOBS: R2Bucket
  readonly GRAPH_CACHE: KVNamespace
  readonly FEATURES: KVNamespace
  readonly SESSION_NONCES: KVNamespace
  readonly ANALYTICS: AnalyticsEngineDataset

  // --- Durable Objects ---
  readonly HOST_MATCH: DurableObjectNamespace
  readonly BOOKING: DurableObjectNamespace
  readonly USER_CONNECTOR: DurableObjectNamespace
  readonly RATE_LIMITER: DurableObjectNamespace
  readonly FIREHOSE: DurableObjectNamespace

  // --- Queues (producers) ---
  readonly CALENDAR_TASKS: Queue
  readonly NOTIFY_TASKS: Queue
  readonly INDEX_TASKS: Queue

  // --- Email (notify worker) ---
  readonly EMAIL: SendEmail

  // --- notify worker: dead letters it writes itself (poison messages, deliveries given up) ---
  readonly NOTIFY_DEAD_LETTERS?: Queue

  // --- vars ---
  /** This AppView's service DID, e.g. did:web:overlap.example */
  readonly APPVIEW_DID: string
  /** The service id fragment that service-auth tokens name in `aud`, e.g. #overlap_appview */
  readonly APPVIEW_SERVICE_ID: string
  /** PLC directory used to resolve did:plc */
  readonly PLC_URL: string
  /** DNS-over-HTTPS endpoint (application/dns-json) for _atproto TXT handle resolution */
  readonly DOH_URL: string
  /** Bluesky AppView used for the social graph */
  readonly BSKY_APPVIEW_URL: string
  /** "development" | "staging" | "production" */
  readonly ENVIRONMENT: string
  /** Firehose worker: JSON `[{ id, kind: "firehose" | "jetstream", url }]` (src/features/ingest/sources.ts); dev default: the local PDS. */
  readonly FIREHOSE_SOURCES?: string

  // --- notify worker vars (wrangler.notify.toml) ---
  /** Sender address of invitation e-mails, on a domain with Cloudflare Email Routing. */
  readonly EMAIL_FROM?: string
  /** Display name of the sender (default "Overlap"). */
  readonly EMAIL_FROM_NAME?: string
  /** The Bluesky account that sends DMs (its DID) and its PDS URL; with the DM_SENDER_APP_PASSWORD secret. */
  readonly DM_SENDER_DID?: string
  readonly DM_SENDER_PDS?: string
  /** `atproto-proxy` target for chat.bsky.* (default did:web:api.bsky.chat#bsky_chat). */
  readonly CHAT_SERVICE_PROXY?: string
  /** Must equal the notify-tasks consumer's max_retries: the consumer dead-letters on the last delivery. */
  readonly NOTIFY_MAX_RETRIES?: string
  /** Rate limits per method class, JSON (src/domain/rateLimits.ts); absent = the defaults in code. */
  readonly RATE_LIMITS?: string
  /** XRPC requests one isolate works on at once; more are refused with 429 Overloaded (src/domain/admission.ts, default 24). */
  readonly MAX_INFLIGHT_XRPC?: string
  /** How long a hold lives when the request does not say (ms, 1 s … 24 h); absent = 15 min. Local dev / e2e tests. */
  readonly HOLD_TTL_MS?: string

  // --- calendar connectors (issue 6); optional because only the appview and webhooks workers use them ---
  /** Public origin of the AppView: OAuth redirect URIs are `<PUBLIC_URL>/oauth/<provider>/callback`. */
  readonly PUBLIC_URL?: string
  /** Public origin of the webhooks worker: Google channel / Graph subscription notification URLs. */
  readonly WEBHOOKS_PUBLIC_URL?: string
  /** OAuth client ids (not secret); empty or absent = provider not offered. */
  readonly GOOGLE_CLIENT_ID?: string
  readonly MICROSOFT_CLIENT_ID?: string
  /** Provider base URLs, configurable so tests and local dev point at local fakes. Production values when absent. */
  readonly GOOGLE_ACCOUNTS_BASE?: string
  readonly GOOGLE_OAUTH_BASE?: string
  readonly GOOGLE_API_BASE?: string
  /** Includes the tenant segment, e.g. https://login.microsoftonline.com/common */
  readonly MICROSOFT_LOGIN_BASE?: string
  readonly GRAPH_API_BASE?: string
  /**
   * Bounds on expanding recurring CalDAV events, JSON with any of the keys of ExpansionLimits
   * (src/domain/calendar/expansionBudget.ts); absent keys keep the defaults there.
   */
  readonly RECURRENCE_LIMITS?: string

  // --- secrets (optional: absent locally until set) ---
  readonly TURNSTILE_SECRET?: string
  readonly TOKEN_VAULT_KEYS?: string
  readonly GOOGLE_CLIENT_SECRET?: string
  readonly MICROSOFT_CLIENT_SECRET?: string
  /** HMAC key deriving each push channel's token / Graph clientState (src/features/push/pushSecret.ts). */
  readonly PUSH_CHANNEL_SECRET?: string
  readonly TAP_WEBHOOK_SECRET?: string
  readonly DM_SENDER_APP_PASSWORD?: string
  /** Bearer token for operator endpoints (`POST /firehose/ensure`); required outside ENVIRONMENT=development. */
  readonly OPERATOR_SECRET?: string
}

/** The root of every service graph: the worker's `env`, provided once per isolate. */
export class CloudflareEnv extends Context.Tag("overlap/CloudflareEnv")<CloudflareEnv, Env>() {
  static layer = (env: Env): Layer.Layer<CloudflareEnv> => Layer.succeed(CloudflareEnv, env)
}
