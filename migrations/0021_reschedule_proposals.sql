-- A guest's proposed new time for a booked meeting, waiting for the host to confirm or decline it
-- (issue 12 item 2). Null: no proposal. Only the booking's engine (BookingDO) writes these.
ALTER TABLE bookings ADD COLUMN proposed_start_at INTEGER;
ALTER TABLE bookings ADD COLUMN proposed_end_at INTEGER;
ALTER TABLE bookings ADD COLUMN proposed_at INTEGER;
