-- Per-person settings of a signed-in account (issue 13).
-- publish_meetings: write the masked app.overlap.booking record to the person's own PDS. OFF by default: a public
--   record says who meets whom.
-- reauthorize_since / reauthorize_reason: the person's atproto session ended (refresh refused, revoked): their page
--   asks them to sign in again (app.overlap.account.getSettings). Cleared by the next sign-in.
CREATE TABLE account_settings (
  did TEXT PRIMARY KEY,
  publish_meetings INTEGER NOT NULL DEFAULT 0 CHECK (publish_meetings IN (0, 1)),
  reauthorize_since INTEGER,
  reauthorize_reason TEXT,
  updated_at INTEGER NOT NULL
);
