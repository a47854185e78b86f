-- Index of app.overlap.eventType records (issue 15 item 2), written by the host in the host's repo (public,
-- like a booking page). Conventions as in 0001_initial.sql. The record key is the slug (the indexer refuses a
-- record whose slug differs), so (did, slug) is unique like the URI.
--   durations: JSON array of minutes, ascending;
--   location:  the record's location union as JSON ($type + fields), NULL when absent;
--   offers:    JSON array of slotOffer AT-URIs the event type draws on, NULL = all of the host's offers.
-- Deletes leave a tombstone in record_tombstones, as for offers_index.
CREATE TABLE event_types_index (
  uri         TEXT    NOT NULL PRIMARY KEY,
  did         TEXT    NOT NULL,
  rkey        TEXT    NOT NULL,
  cid         TEXT    NOT NULL,
  rev         TEXT    NOT NULL,
  slug        TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  description TEXT,
  durations   TEXT    NOT NULL CHECK (json_valid(durations)),
  location    TEXT    CHECK (location IS NULL OR json_valid(location)),
  policy      TEXT    NOT NULL CHECK (policy IN ('mutual', 'connected', 'follower', 'anyone')),
  offers      TEXT    CHECK (offers IS NULL OR json_valid(offers)),
  created_at  INTEGER NOT NULL,
  indexed_at  INTEGER NOT NULL,
  -- set while the account is deactivated or taken down
  hidden      INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1))
) STRICT;
-- EventTypesRepo.getBySlug / listByHost, and hide/unhide/purge by DID
CREATE UNIQUE INDEX event_types_index_by_did_slug ON event_types_index (did, slug);
