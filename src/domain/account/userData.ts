/**
 * Where Overlap keeps data about a person, store by store: the registry that account export and deletion
 * (src/features/account) walk. A feature that adds a table, a key prefix or an object naming a user adds its
 * location here; test/account/userDataRegistry.test.ts applies every migration and fails when a table has a
 * column naming a user (a DID, a handle) that no entry covers, or when a table is neither here nor in
 * NOT_USER_DATA.
 *
 * What deletion does with each column (`removal`):
 * - `delete`: the rows whose column is the user are deleted;
 * - `counterpart`: the row is also another person's (a request made to them on the other person's public repo):
 *   it stays for them as it is;
 * - `pseudonymize`: the row is also another person's (a booking, its audit events): it stays for them, with the
 *   user's DID replaced by an opaque id made for this deletion (`did:deleted:<random>`), so their history still reads
 *   as one counterpart while nothing links it to the DID, and a new sign-in with the DID finds none of it. The
 *   user's meetings still ahead are canceled with a notice to the other party before the account goes;
 * - `expires`: short-lived rows (a replay ledger, idempotency keys) deleted now as well, and gone on their own.
 */

export type Removal = "delete" | "counterpart" | "pseudonymize" | "expires"

/** A D1 table with columns naming the user. */
export interface D1UserTable {
  readonly table: string
  /** Column → what deletion does with rows where that column is the user's DID. */
  readonly userColumns: Readonly<Record<string, Removal>>
  /**
   * Export: the section of the bundle and the columns it may show. Never a sealed column (`*_ciphertext`),
   * a key id, or a token: test/account/userDataRegistry.test.ts refuses those.
   */
  readonly export?: {
    readonly section: string
    readonly columns: ReadonlyArray<string>
    /** Also the rows of the user's parent rows (a booking's audit events, whoever acted), found through `column`. */
    readonly alsoThrough?: {
      readonly column: string
      readonly parent: { readonly table: string; readonly key: string; readonly userColumns: ReadonlyArray<string> }
    }
  }
}

/** A D1 table whose rows belong to the user through a parent row (e.g. a connector's sync state). */
export interface D1LinkedTable {
  readonly table: string
  readonly column: string
  /** Rows of `parent` whose `parentColumn` is the user; their `parentKey` is what `column` holds. */
  readonly parent: { readonly table: string; readonly key: string; readonly userColumn: string }
}

/** A key-value store, object store or Durable Object place holding the user's data, named by DID. */
export interface KeyedLocation {
  readonly store: "r2" | "kv" | "durable-object"
  /** Binding name (BLOBS, SESSION_NONCES, USER_CONNECTOR…). */
  readonly binding: string
  /** How the user's keys are named; `{did}` stands for the DID. For objects: the idFromName. */
  readonly pattern: string
  readonly removal: Removal
  readonly note: string
}

export const D1_USER_TABLES: ReadonlyArray<D1UserTable> = [
  { table: "users", userColumns: { did: "delete", handle: "delete" }, export: { section: "account", columns: ["did", "handle", "pds_endpoint", "status", "created_at"] } },
  {
    table: "connectors",
    userColumns: { did: "delete" },
    export: { section: "connectors", columns: ["id", "provider", "status", "calendars", "holds_target", "last_sync_at", "created_at"] }
  },
  { table: "offers_index", userColumns: { did: "delete" }, export: { section: "offers", columns: ["uri", "start_at", "end_at", "policy", "tz", "note", "weekly", "valid_from", "valid_until", "created_at"] } },
  {
    table: "booking_requests",
    userColumns: { guest_did: "delete", host_did: "counterpart" },
    export: { section: "bookingRequests", columns: ["uri", "guest_did", "host_did", "offer_uri", "status", "note", "created_at"] }
  },
  { table: "record_tombstones", userColumns: { did: "delete" } },
  {
    table: "bookings",
    userColumns: { host_did: "pseudonymize", guest_did: "pseudonymize" },
    export: {
      section: "bookings",
      columns: ["id", "host_did", "guest_did", "status", "start_at", "end_at", "tz", "host_tz", "sequence", "location", "conference", "title", "proposed_start_at", "proposed_end_at", "offer_uri", "created_at", "updated_at"]
    }
  },
  // the export has the person's own steps and every step of their bookings (whoever acted: the actor is not shown)
  {
    table: "audit_events",
    userColumns: { actor_did: "pseudonymize" },
    export: {
      section: "auditEvents",
      columns: ["id", "booking_id", "event_type", "from_state", "to_state", "created_at"],
      alsoThrough: { column: "booking_id", parent: { table: "bookings", key: "id", userColumns: ["host_did", "guest_did"] } }
    }
  },
  { table: "idempotency_keys", userColumns: { caller_did: "expires" } },
  { table: "service_auth_jtis", userColumns: { iss: "expires" } },
  { table: "local_calendar_events", userColumns: { did: "delete" } },
  { table: "webhook_subscriptions", userColumns: { did: "delete" }, export: { section: "webhooks", columns: ["id", "created_at", "disabled_at", "disabled_reason"] } },
  { table: "connector_push_channels", userColumns: { did: "delete" } },
  { table: "ingest_activity", userColumns: { did: "delete" } },
  { table: "web_sessions", userColumns: { did: "delete" } },
  { table: "account_settings", userColumns: { did: "delete" }, export: { section: "settings", columns: ["publish_meetings", "updated_at"] } },
  { table: "host_settings", userColumns: { host_did: "delete" }, export: { section: "hostRules", columns: ["settings", "updated_at"] } },
  { table: "event_types_index", userColumns: { did: "delete" }, export: { section: "eventTypes", columns: ["uri", "slug", "name", "description", "durations", "location", "policy", "created_at"] } },
  // sealed (address, preferences): the export's `notifications` section opens them through NotifySettings.getForExport
  // (src/features/account/notificationsSection.ts), never from these columns
  { table: "notify_settings", userColumns: { did: "delete" } },
  { table: "notify_reminders", userColumns: { recipient_did: "delete" } },
  // a guest's sealed note to the host: deleted with its author (the booking stays for the host, without it); the
  // export's `bookingNotes` section opens the author's own notes through BookingNotes.writtenBy, never from this column
  { table: "booking_notes", userColumns: { guest_did: "delete" } }
]

export const D1_LINKED_TABLES: ReadonlyArray<D1LinkedTable> = [
  { table: "connector_sync_state", column: "connector_id", parent: { table: "connectors", key: "id", userColumn: "did" } }
]

/** Tables that name nobody, with why. */
export const NOT_USER_DATA: Readonly<Record<string, string>> = {
  firehose_cursors: "one row per ingest source: a sequence number",
  notify_deliveries: "keyed by notification id; the target is a hash or a webhook id, never an address (docs/notify.md)",
  notify_link_uses: "hashes of one-time link nonces and their expiry",
  notify_transitions: "booking ids, sequences and event types already announced (held, expired)",
  dead_letters: "queue messages consumers gave up on: the body and error sealed (TokenVault, bound to the record), plain columns are queue names and kinds; deleted after 14 days, on replay or drop",
  metric_points: "development only: metric data points (names, providers, queues, statuses; a DID label is redacted)"
}

export const KEYED_LOCATIONS: ReadonlyArray<KeyedLocation> = [
  { store: "r2", binding: "BLOBS", pattern: "exports/{did}/", removal: "delete", note: "export bundles" },
  { store: "r2", binding: "BLOBS", pattern: "ics/<bookingId>/, audit/<bookingId>/", removal: "counterpart", note: "a shared booking's invitations and audit records: the other participant's copy" },
  { store: "kv", binding: "GRAPH_CACHE", pattern: "rel:v1:{did}:", removal: "delete", note: "social-graph answers asked as host; rel:v1:<other>:{did} cannot be found by prefix and expires in 120 s" },
  { store: "kv", binding: "SESSION_NONCES", pattern: "oauth-state:, oauth-ticket:, atproto-signin:", removal: "expires", note: "a sign-in or connect in flight, keyed by random ids; gone within 10 minutes" },
  { store: "durable-object", binding: "USER_CONNECTOR", pattern: "{did}", removal: "delete", note: "the 60 s busy cache in memory and open provider clients; the sealed tokens are D1 rows (connectors)" },
  { store: "durable-object", binding: "HOST_MATCH", pattern: "{did}", removal: "delete", note: "the host's hold ledger: holds are dropped as their bookings are canceled or declined" },
  { store: "durable-object", binding: "SESSION", pattern: "{did}", removal: "delete", note: "the atproto OAuth session (sign-in) and its outbox: revoked and cleared by signOut" },
  { store: "durable-object", binding: "RATE_LIMITER", pattern: "{did}", removal: "expires", note: "token counts per method class; the DID is only the object's name; the object deletes its storage when its buckets are full again" }
]

/** Columns an export never shows: sealed values, their key ids, tokens, secrets. */
export const NEVER_EXPORTED = /ciphertext|key_id|token|secret|hash/

/** A user column: a DID or a handle. */
export const NAMES_A_USER = /^(did|handle|iss)$|_did$/
