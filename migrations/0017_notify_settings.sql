-- Overlap D1 schema: each person's notification settings (issue 16; conventions as in 0001_initial.sql).

-- One row per person who set an e-mail address or a preference. Both are personal data: each is stored only
-- as TokenVault ciphertext bound to (did, 'notify', 'email' | 'preferences'), with the id of the vault key
-- that wraps it (the key ring's in-use check and rotation read key_id). Nothing is sent to an address until
-- email_verified_at is set (by the signed link sent to it); changing the address clears it.
CREATE TABLE notify_settings (
  did                    TEXT    NOT NULL PRIMARY KEY,
  email_ciphertext       TEXT,
  email_key_id           TEXT,
  email_verified_at      INTEGER,
  preferences_ciphertext TEXT,
  preferences_key_id     TEXT,
  updated_at             INTEGER NOT NULL,
  CHECK ((email_ciphertext IS NULL) = (email_key_id IS NULL)),
  CHECK (email_ciphertext IS NOT NULL OR email_verified_at IS NULL),
  CHECK ((preferences_ciphertext IS NULL) = (preferences_key_id IS NULL))
) STRICT;
