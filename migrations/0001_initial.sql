-- Overlap D1 schema, version 1.
--
-- Conventions (every repository in src/layers/*Live.ts relies on them):
--   * every instant is INTEGER epoch milliseconds, UTC (`*_at` columns): comparisons and ranges are plain
--     integer comparisons, and no text format can drift between writers;
--   * every enum column has a CHECK constraint; flags are INTEGER 0/1 with a CHECK;
--   * JSON columns are TEXT with CHECK (json_valid(...));
--   * no column is named with an SQL keyword (start_at / end_at / idem_key / event_type, never
--     start / end / key / action);
--   * tables are STRICT: a value of the wrong type is an error, not a silent conversion;
--   * every index below names the repository query it serves.

-- Accounts Overlap knows about (hosts and guests), keyed by DID.
CREATE TABLE users (
  did          TEXT    NOT NULL PRIMARY KEY,
  handle       TEXT,
  pds_endpoint TEXT,
  status       TEXT    NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'deactivated', 'deleted', 'takendown')),
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;

-- Calendar connectors. Tokens are stored only as TokenVault ciphertext (AES-GCM envelope whose key id
-- is also kept in key_id for lazy rotation); there is deliberately no column that could hold plaintext.
CREATE TABLE connectors (
  id               TEXT    NOT NULL PRIMARY KEY,
  did              TEXT    NOT NULL,
  provider         TEXT    NOT NULL CHECK (provider IN ('google', 'microsoft', 'caldav', 'local')),
  status           TEXT    NOT NULL DEFAULT 'pending'
                           CHECK (status IN ('active', 'broken', 'pending', 'removed')),
  -- provider account (e-mail address) or CalDAV server URL: shown in listConnectors, never a secret
  account_ref      TEXT,
  token_ciphertext BLOB,
  key_id           TEXT,
  token_expires_at INTEGER,
  calendars        TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(calendars)),
  last_sync_at     INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  CHECK ((token_ciphertext IS NULL) = (key_id IS NULL))
) STRICT;
-- listConnectors(did)
CREATE INDEX connectors_by_did ON connectors (did, created_at);
-- refresh-oauth cron: active connectors whose access token expires soon
CREATE INDEX connectors_by_token_expiry ON connectors (token_expires_at) WHERE status = 'active';

-- Index of app.overlap.slotOffer records from the firehose. rev is the repo revision (a TID, which
-- sorts as text) of the commit that wrote the record: an older rev never overwrites a newer one.
CREATE TABLE offers_index (
  uri        TEXT    NOT NULL PRIMARY KEY,
  did        TEXT    NOT NULL,
  rkey       TEXT    NOT NULL,
  cid        TEXT    NOT NULL,
  rev        TEXT    NOT NULL,
  start_at   INTEGER NOT NULL,
  end_at     INTEGER NOT NULL,
  policy     TEXT    NOT NULL CHECK (policy IN ('mutual', 'connected', 'follower', 'anyone')),
  tz         TEXT    NOT NULL,
  note       TEXT,
  created_at INTEGER NOT NULL,
  indexed_at INTEGER NOT NULL,
  -- set while the account is deactivated or taken down; such offers are invisible and unmatchable
  hidden     INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
  CHECK (end_at > start_at)
) STRICT;
-- OffersRepo.listByHost (time range + (start_at, uri) cursor) and hide/unhide/purge by DID
CREATE INDEX offers_index_by_did_start ON offers_index (did, start_at, uri);

-- Index of app.overlap.bookingRequest records (written by the guest in the guest's repo).
-- status is Overlap's processing state: the record's own status is taken when the row is first
-- indexed; after that only BookingRequestsRepo.setStatus changes it.
CREATE TABLE booking_requests (
  uri         TEXT    NOT NULL PRIMARY KEY,
  guest_did   TEXT    NOT NULL,
  host_did    TEXT    NOT NULL,
  rkey        TEXT    NOT NULL,
  cid         TEXT    NOT NULL,
  rev         TEXT    NOT NULL,
  offer_uri   TEXT,
  constraints TEXT    NOT NULL CHECK (json_valid(constraints)),
  status      TEXT    NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'held', 'declined', 'confirmed')),
  note        TEXT,
  created_at  INTEGER NOT NULL,
  indexed_at  INTEGER NOT NULL,
  hidden      INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1))
) STRICT;
-- BookingRequestsRepo.listByHost, newest first with a (created_at, uri) cursor
CREATE INDEX booking_requests_by_host ON booking_requests (host_did, created_at DESC, uri DESC);
-- BookingRequestsRepo.listByGuest, and hide/unhide/purge by the writing DID
CREATE INDEX booking_requests_by_guest ON booking_requests (guest_did, created_at DESC, uri DESC);

-- Deleted records of offers_index and booking_requests: the rev of the delete, so that a redelivered
-- or reordered older create/update cannot bring a deleted record back.
CREATE TABLE record_tombstones (
  uri        TEXT    NOT NULL PRIMARY KEY,
  did        TEXT    NOT NULL,
  rev        TEXT    NOT NULL,
  deleted_at INTEGER NOT NULL
) STRICT;

-- Bookings. start_at / end_at are the exact meeting time: only the two participants ever see it.
-- version is bumped by every write so that BookingsRepo.transition can compare-and-set.
CREATE TABLE bookings (
  id              TEXT    NOT NULL PRIMARY KEY,
  host_did        TEXT    NOT NULL,
  guest_did       TEXT    NOT NULL,
  request_uri     TEXT,
  offer_uri       TEXT,
  status          TEXT    NOT NULL
                          CHECK (status IN ('pending', 'held', 'confirmed', 'declined', 'expired',
                                            'canceled', 'rescheduled')),
  start_at        INTEGER NOT NULL,
  end_at          INTEGER NOT NULL,
  tz              TEXT    NOT NULL,
  sequence        INTEGER NOT NULL DEFAULT 0 CHECK (sequence >= 0),
  ics_r2_key      TEXT,
  hold_expires_at INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  version         INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  CHECK (end_at > start_at),
  CHECK (status <> 'held' OR hold_expires_at IS NOT NULL)
) STRICT;
-- BookingsRepo.listForDid as host / as guest, newest first with a (created_at, id) cursor
CREATE INDEX bookings_by_host ON bookings (host_did, created_at DESC, id DESC);
CREATE INDEX bookings_by_guest ON bookings (guest_did, created_at DESC, id DESC);
-- BookingsRepo.listExpiredHolds (expire-holds cron)
CREATE INDEX bookings_held_by_expiry ON bookings (hold_expires_at, id) WHERE status = 'held';

-- Audit trail: one row per transition, pointing at the JSON record in R2. Never a busy interval.
CREATE TABLE audit_events (
  id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  booking_id TEXT,
  actor_did  TEXT    NOT NULL,
  -- what happened, e.g. 'booking.confirm' (not `action`: that is an SQLite keyword)
  event_type TEXT    NOT NULL,
  from_state TEXT    CHECK (from_state IS NULL OR from_state IN ('pending', 'held', 'confirmed', 'declined',
                                                                 'expired', 'canceled', 'rescheduled')),
  to_state   TEXT    CHECK (to_state IS NULL OR to_state IN ('pending', 'held', 'confirmed', 'declined',
                                                             'expired', 'canceled', 'rescheduled')),
  r2_key     TEXT,
  created_at INTEGER NOT NULL
) STRICT;
-- AuditEventsRepo.listByBooking, in append order
CREATE INDEX audit_events_by_booking ON audit_events (booking_id, id) WHERE booking_id IS NOT NULL;

-- Idempotency-Key ledger, scoped to (caller, method). request_hash tells a replay from a misuse.
CREATE TABLE idempotency_keys (
  caller_did      TEXT    NOT NULL,
  method          TEXT    NOT NULL,
  idem_key        TEXT    NOT NULL,
  request_hash    TEXT    NOT NULL,
  state           TEXT    NOT NULL CHECK (state IN ('in_flight', 'completed')),
  response_status INTEGER,
  response_body   TEXT,
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  PRIMARY KEY (caller_did, method, idem_key),
  CHECK (state = 'in_flight' OR response_status IS NOT NULL)
) STRICT;
-- IdempotencyKeysRepo.purgeExpired
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);

-- Ingest cursors, one per firehose / Jetstream / Tap source.
CREATE TABLE firehose_cursors (
  source     TEXT    NOT NULL PRIMARY KEY,
  cursor     INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- Service-auth JWT ids already accepted, until the token's own expiry: a replayed jti is refused.
CREATE TABLE service_auth_jtis (
  iss    TEXT    NOT NULL,
  jti    TEXT    NOT NULL,
  exp_at INTEGER NOT NULL,
  PRIMARY KEY (iss, jti)
) STRICT;
-- JtiLedger.purgeExpired
CREATE INDEX service_auth_jtis_by_expiry ON service_auth_jtis (exp_at);
