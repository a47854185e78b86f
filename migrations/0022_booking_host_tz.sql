-- The host's zone when the booking was matched (issue 15 item 6): answers carry the meeting on the guest's
-- clock (bookings.tz) and on the host's. Null for bookings made before: the host's form is then left out.
ALTER TABLE bookings ADD COLUMN host_tz TEXT;
