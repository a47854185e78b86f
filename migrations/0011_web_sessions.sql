-- Browser sessions of people signed in with atproto OAuth (issue 13, docs/signin.md).
-- The cookie holds a random id; only its SHA-256 is stored, so a copy of this table signs nobody in.
-- The atproto tokens are not here: they live sealed in the person's SessionDO.
CREATE TABLE web_sessions (
  id_hash TEXT PRIMARY KEY,           -- BASE64URL(SHA-256(cookie id))
  did TEXT NOT NULL,
  created_at INTEGER NOT NULL,        -- ms since epoch
  last_seen_at INTEGER NOT NULL,      -- ms; refreshed at most every few minutes
  expires_at INTEGER NOT NULL,        -- absolute end (created_at + absolute lifetime)
  user_agent TEXT NOT NULL,           -- the browser's User-Agent, cut to 256 characters (shown in a session list)
  revoked_at INTEGER                  -- set by sign-out (or a sign-out everywhere); a revoked row never authorizes
);
CREATE INDEX web_sessions_did ON web_sessions (did);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
