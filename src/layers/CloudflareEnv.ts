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

  // --- secrets (optional: absent locally until set) ---
  readonly TURNSTILE_SECRET?: string
  readonly TOKEN_VAULT_KEYS?: string
  readonly GOOGLE_CLIENT_SECRET?: string
  readonly MICROSOFT_CLIENT_SECRET?: string
  readonly TAP_WEBHOOK_SECRET?: string
  readonly DM_SENDER_APP_PASSWORD?: string
}

/** The root of every service graph: the worker's `env`, provided once per isolate. */
export class CloudflareEnv extends Context.Tag("overlap/CloudflareEnv")<CloudflareEnv, Env>() {
  static layer = (env: Env): Layer.Layer<CloudflareEnv> => Layer.succeed(CloudflareEnv, env)
}
