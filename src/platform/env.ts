/**
 * The bindings and vars of the Overlap workers: `WorkerBindings` is generated from the four wrangler configs
 * (worker-configuration.d.ts, by scripts/envTypes.mjs; test/platform/envTypes.test.ts fails when it is stale),
 * so each Durable Object namespace is typed by its class. One interface for all four workers: each config binds
 * the subset its entrypoint's layers use (docs/architecture.md, "Bindings"). Here: what the configs' vars mean,
 * the vars no config sets, and the secrets (wrangler secret put / .dev.vars), optional because a layer that needs
 * one says so with a typed error when it is missing.
 *
 * A var documented here has the generated type (`WorkerBindings["…"]`): one dropped from every config stops compiling.
 */
export interface Env extends Omit<WorkerBindings, "NOTIFY_DEAD_LETTERS"> {
  // --- vars every config sets ---
  /** This AppView's service DID, e.g. did:web:overlap.example */
  readonly APPVIEW_DID: WorkerBindings["APPVIEW_DID"]
  /** The service id fragment that service-auth tokens name in `aud`, e.g. #overlap_appview */
  readonly APPVIEW_SERVICE_ID: WorkerBindings["APPVIEW_SERVICE_ID"]
  /** PLC directory used to resolve did:plc */
  readonly PLC_URL: WorkerBindings["PLC_URL"]
  /** DNS-over-HTTPS endpoint (application/dns-json) for _atproto TXT handle resolution */
  readonly DOH_URL: WorkerBindings["DOH_URL"]
  /** Bluesky AppView used for the social graph */
  readonly BSKY_APPVIEW_URL: WorkerBindings["BSKY_APPVIEW_URL"]
  /** "development" | "staging" | "production" */
  readonly ENVIRONMENT: WorkerBindings["ENVIRONMENT"]

  // --- firehose worker (wrangler.firehose.toml) ---
  /** JSON `[{ id, kind: "firehose" | "jetstream", url }]` (src/domain/ingest/sources.ts); dev default: the local PDS. */
  readonly FIREHOSE_SOURCES?: WorkerBindings["FIREHOSE_SOURCES"]

  // --- notify worker (wrangler.notify.toml) ---
  /** Sender address of invitation e-mails, on a domain with Cloudflare Email Routing. */
  readonly EMAIL_FROM?: WorkerBindings["EMAIL_FROM"]
  /** Display name of the sender (default "Overlap"). */
  readonly EMAIL_FROM_NAME?: WorkerBindings["EMAIL_FROM_NAME"]
  /** The Bluesky account that sends DMs (its DID) and its PDS URL; with the DM_SENDER_APP_PASSWORD secret. */
  readonly DM_SENDER_DID?: WorkerBindings["DM_SENDER_DID"]
  readonly DM_SENDER_PDS?: WorkerBindings["DM_SENDER_PDS"]
  /** `atproto-proxy` target for chat.bsky.* (default did:web:api.bsky.chat#bsky_chat). */
  readonly CHAT_SERVICE_PROXY?: WorkerBindings["CHAT_SERVICE_PROXY"]
  /** Must equal the notify-tasks consumer's max_retries: the consumer dead-letters on the last delivery. */
  readonly NOTIFY_MAX_RETRIES?: WorkerBindings["NOTIFY_MAX_RETRIES"]
  /**
   * Dead letters the notify consumer writes itself (poison messages, deliveries given up). Optional: without it the
   * consumer retries what it gives up on, so the runtime's dead-letter queue takes it.
   */
  readonly NOTIFY_DEAD_LETTERS?: WorkerBindings["NOTIFY_DEAD_LETTERS"]

  // --- AppView (wrangler.toml) ---
  /** Rate limits per method class, JSON (src/domain/rateLimits.ts); absent = the defaults in code. */
  readonly RATE_LIMITS?: WorkerBindings["RATE_LIMITS"]
  /** Development only: the local PDS, asked to resolve `.test` handles at sign-in (src/adapters/atproto/actorResolver.ts). */
  readonly ATPROTO_DEV_HANDLE_RESOLVER?: WorkerBindings["ATPROTO_DEV_HANDLE_RESOLVER"]
  /** Public origin of the AppView: OAuth redirect URIs are `<PUBLIC_URL>/oauth/<provider>/callback`. */
  readonly PUBLIC_URL?: WorkerBindings["PUBLIC_URL"]
  /** Public origin of the webhooks worker: Google channel / Graph subscription notification URLs. */
  readonly WEBHOOKS_PUBLIC_URL?: WorkerBindings["WEBHOOKS_PUBLIC_URL"]
  /** OAuth client ids (not secret); empty or absent = provider not offered. */
  readonly GOOGLE_CLIENT_ID?: WorkerBindings["GOOGLE_CLIENT_ID"]
  readonly MICROSOFT_CLIENT_ID?: WorkerBindings["MICROSOFT_CLIENT_ID"]
  /** Provider base URLs, configurable so tests and local dev point at local fakes. Production values when absent. */
  readonly GOOGLE_ACCOUNTS_BASE?: WorkerBindings["GOOGLE_ACCOUNTS_BASE"]
  readonly GOOGLE_OAUTH_BASE?: WorkerBindings["GOOGLE_OAUTH_BASE"]
  readonly GOOGLE_API_BASE?: WorkerBindings["GOOGLE_API_BASE"]
  /** Includes the tenant segment, e.g. https://login.microsoftonline.com/common */
  readonly MICROSOFT_LOGIN_BASE?: WorkerBindings["MICROSOFT_LOGIN_BASE"]
  readonly GRAPH_API_BASE?: WorkerBindings["GRAPH_API_BASE"]

  // --- vars no wrangler config sets (local dev, tests, or an operator's dashboard) ---
  /** The Analytics Engine dataset the console queries; default by ENVIRONMENT: overlap_events[_staging|_production]. */
  readonly ANALYTICS_DATASET?: string
  /** The SQL API's origin (default https://api.cloudflare.com). */
  readonly ANALYTICS_SQL_API_BASE?: string
  /** XRPC requests one isolate works on at once; more are refused with 429 Overloaded (src/domain/admission.ts, default 24). */
  readonly MAX_INFLIGHT_XRPC?: string
  /** How long a hold lives when the request does not say (ms, 1 s … 24 h); absent = 15 min. Local dev / e2e tests. */
  readonly HOLD_TTL_MS?: string
  /**
   * Bounds on expanding recurring CalDAV events, JSON with any of the keys of ExpansionLimits
   * (src/domain/calendar/expansionBudget.ts); absent keys keep the defaults there.
   */
  readonly RECURRENCE_LIMITS?: string

  /** Development only: where siteverify is asked (scripts/localTurnstile.mjs); ignored unless ENVIRONMENT is development. */
  readonly TURNSTILE_SITEVERIFY_URL?: string

  // --- secrets (optional: absent locally until set) ---
  readonly TURNSTILE_SECRET?: string
  readonly TOKEN_VAULT_KEYS?: string
  readonly GOOGLE_CLIENT_SECRET?: string
  readonly MICROSOFT_CLIENT_SECRET?: string
  /** HMAC key deriving each push channel's token / Graph clientState (src/features/push/pushSecret.ts). */
  readonly PUSH_CHANNEL_SECRET?: string
  readonly TAP_WEBHOOK_SECRET?: string
  readonly DM_SENDER_APP_PASSWORD?: string
  /**
   * The operator console's metrics (docs/operations.md, "Metrics"): the Cloudflare account and an API token with
   * Account Analytics Read, for the Analytics Engine SQL API. Required outside development (where the console reads
   * the local record instead).
   */
  readonly ANALYTICS_ACCOUNT_ID?: string
  readonly ANALYTICS_API_TOKEN?: string
  /** Bearer token for operator endpoints (`POST /firehose/ensure`); required outside ENVIRONMENT=development. */
  readonly OPERATOR_SECRET?: string
  /**
   * The atproto OAuth client's private key (docs/signin.md): a private ES256 JWK with `kid` (or a JSON array of
   * them, newest first, for rotation); its public half is served at /oauth/jwks.json. Required outside development.
   */
  readonly ATPROTO_OAUTH_PRIVATE_JWK?: string
  /**
   * Optional var: ports besides 443 that webhook targets and CalDAV servers may use outside development
   * ("8443, 8008"); unset = none (src/domain/network/outboundUrl.ts).
   */
  readonly OUTBOUND_ALLOWED_PORTS?: string

  // --- operator console at /admin (docs/operations.md): unset = the console refuses everything (403) ---
  /** Cloudflare Access team: `<team>`, `<team>.cloudflareaccess.com` or its https origin (the JWT issuer). */
  readonly ACCESS_TEAM_DOMAIN?: string
  /** The Access application's audience tag (the JWT `aud`). */
  readonly ACCESS_AUD?: string
  /** "on" lets /admin in without an Access token, and only when ENVIRONMENT is "development". */
  readonly ADMIN_DEV_BYPASS?: string
  /** JSON `{ "<worker>": "<origin>" }` whose /healthz the console shows; development default: the local ports. */
  readonly WORKER_HEALTH_URLS?: string

  // --- account export (docs/operations.md) ---
  /** Secret: HMAC key of export download links; development uses a public fixed key when unset. */
  readonly EXPORT_LINK_SECRET?: string
}

/** The Durable Object namespaces the workers bind, each typed by its class. */
export type ObjectNamespace = {
  [K in keyof Env]-?: Env[K] extends DurableObjectNamespace<infer _Object> ? Env[K] : never
}[keyof Env]
