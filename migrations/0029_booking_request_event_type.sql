-- Issue 15: an app.overlap.bookingRequest may name the host's event type (slug or AT URI, optional field added
-- per atproto's lexicon evolution rules); the match-request task books it like app.overlap.match's eventType.
ALTER TABLE booking_requests ADD COLUMN event_type TEXT;
