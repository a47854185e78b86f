-- What the meeting is called (issue 16): the name of the event type the guest booked, recorded at the match
-- (where bookings.location is written) and shown in notifications (subjects, DMs, the invitation's SUMMARY
-- "<title> with <name>"). Null: no event type named, or a booking made before — notifications say "Meeting".
-- Private like the exact time: the public app.overlap.booking record never carries it.
ALTER TABLE bookings ADD COLUMN title TEXT;
