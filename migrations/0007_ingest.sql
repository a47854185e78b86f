-- Overlap D1 schema: firehose ingest and index (conventions as in 0001_initial.sql).

-- One row per DID whose app.overlap.* records or account the indexer has seen.
--   last_event_at:    when the indexer last applied an event of the DID: the reindex-drift cron re-checks the
--                     DIDs active in its window against their PDS;
--   account_event_at: time of the newest account event applied, so a redelivered older one (deactivated after
--                     reactivated) cannot override it;
--   drift_checked_at: when reindex-drift last compared the DID's index with its PDS.
CREATE TABLE ingest_activity (
  did              TEXT    NOT NULL PRIMARY KEY,
  last_event_at    INTEGER NOT NULL,
  account_event_at INTEGER,
  drift_checked_at INTEGER
) STRICT;
-- IngestActivityRepo.listActiveSince (reindex-drift)
CREATE INDEX ingest_activity_by_last_event ON ingest_activity (last_event_at);
