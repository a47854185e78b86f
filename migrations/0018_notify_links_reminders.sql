-- Overlap D1 schema: one-click links and reminders (issue 16; conventions as in 0001_initial.sql).

-- The links in messages work once: the SHA-256 of a used link's nonce (the nonce itself is inside the sealed
-- token only), kept until the link would have expired anyway (then the row may be pruned).
CREATE TABLE notify_link_uses (
  nonce_hash TEXT    NOT NULL PRIMARY KEY,
  used_at    INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX notify_link_uses_by_expiry ON notify_link_uses (expires_at);

-- Reminders planned: one row per (booking, its sequence, recipient, minutes before). The reminder cron
-- enqueues a reminder only when it inserted the row, so each is sent once however often the cron runs; a
-- reschedule raises the sequence, which plans the moved meeting's reminders afresh and leaves the old ones
-- unsent.
CREATE TABLE notify_reminders (
  booking_id     TEXT    NOT NULL,
  sequence       INTEGER NOT NULL,
  recipient_did  TEXT    NOT NULL,
  minutes_before INTEGER NOT NULL CHECK (minutes_before > 0),
  planned_at     INTEGER NOT NULL,
  PRIMARY KEY (booking_id, sequence, recipient_did, minutes_before)
) STRICT;
-- The reminder cron's read: meetings that are on (confirmed or moved), by start.
CREATE INDEX bookings_upcoming ON bookings (start_at, id) WHERE status IN ('confirmed', 'rescheduled');
