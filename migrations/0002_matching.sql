-- Overlap D1 schema: matching and holds (issue 3). Conventions as in 0001_initial.sql.

-- The local calendar: the calendar of a user who keeps their calendar ON Overlap (the embedded default
-- CalendarProvider, src/layers/LocalCalendarLive.ts). These rows ARE that user's calendar — events the user
-- entered and the tentative holds / confirmed meetings Overlap placed on it — exactly as a Google or CalDAV
-- server stores its events. They are NOT a copy of busy time read from a provider: busy intervals from Google,
-- Microsoft or CalDAV stay in memory during a match and are never written here or anywhere else.
CREATE TABLE local_calendar_events (
  did        TEXT    NOT NULL,
  event_id   TEXT    NOT NULL,
  start_at   INTEGER NOT NULL,
  end_at     INTEGER NOT NULL,
  status     TEXT    NOT NULL CHECK (status IN ('tentative', 'confirmed')),
  -- the Overlap booking an event belongs to (holds and meetings Overlap placed); NULL for the user's own events
  booking_id TEXT,
  summary    TEXT    NOT NULL DEFAULT '',
  tz         TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  -- increases with every write; the event's etag
  version    INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  PRIMARY KEY (did, event_id),
  CHECK (end_at > start_at)
) STRICT;
-- placeHold is idempotent per (did, booking_id): at most one event per booking on a user's calendar.
CREATE UNIQUE INDEX local_calendar_events_by_booking ON local_calendar_events (did, booking_id)
  WHERE booking_id IS NOT NULL;
-- busy(did, range): events ending after range.start, scanned forward from it (past events are never read).
CREATE INDEX local_calendar_events_by_end ON local_calendar_events (did, end_at);
