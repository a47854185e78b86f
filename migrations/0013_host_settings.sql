-- Issue 15 items 3 and 4: a host's private booking rules and date overrides (app.overlap.settings.put). Never in
-- a record or any other answer: limits and patterns of time off are the host's business. One row per host; the
-- whole settings document (lexicon app.overlap.settings.defs#settings, validated before it is written) as JSON.
-- No personal data beyond the DID and the host's own rules. Conventions as in 0001_initial.sql.
CREATE TABLE host_settings (
  host_did   TEXT    PRIMARY KEY,
  settings   TEXT    NOT NULL CHECK (json_valid(settings) AND length(settings) <= 65536),
  updated_at INTEGER NOT NULL
) STRICT;
