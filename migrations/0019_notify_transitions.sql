-- Overlap D1 schema: booking e-mails on held and expired (issue 16 item 2; conventions as in 0001_initial.sql).

-- The transitions of a booking the hold engine makes (held: a request waits for the host; expired: it was not
-- confirmed in time) are announced by the AppView's minute cron (features/notify/transitionSweep.ts), which
-- enqueues a notification only when it inserted the row here: each (booking, sequence, event) once however
-- often the cron runs. A row whose enqueue failed is deleted, so the next run tries again.
CREATE TABLE notify_transitions (
  booking_id   TEXT    NOT NULL,
  sequence     INTEGER NOT NULL CHECK (sequence >= 0),
  event_type   TEXT    NOT NULL CHECK (event_type IN ('booking.held', 'booking.expired')),
  announced_at INTEGER NOT NULL,
  PRIMARY KEY (booking_id, sequence, event_type)
) STRICT;
-- The sweep's read of requests that expired recently (held requests are read by bookings_held_by_expiry).
CREATE INDEX bookings_expired_by_update ON bookings (updated_at, id) WHERE status = 'expired';
