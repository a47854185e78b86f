-- Where a booking's meeting takes place (issue 15 item 5, docs/host-rules.md "Meeting locations"):
-- location: the event type's location when the guest matched (JSON, an app.overlap.defs#location* object);
-- conference: the online meeting the host's calendar made at confirmation (JSON: provider, joinUrl, conferenceId).
-- Null: none. The match writes location; only the booking's engine (BookingDO) writes conference.
ALTER TABLE bookings ADD COLUMN location TEXT;
ALTER TABLE bookings ADD COLUMN conference TEXT;
