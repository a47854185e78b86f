-- A guest's note to the host (app.overlap.match `note`, docs/booking-notes.md): personal text for the
-- host, kept with the booking it was written for and shown to that booking's two people only (getBooking,
-- listBookings). Sealed with TokenVault, bound to (guest, booking); the plain columns name the booking and its author.
-- One note per booking: a retried match reaches the same booking id and writes nothing more.
CREATE TABLE IF NOT EXISTS booking_notes (
  booking_id TEXT PRIMARY KEY,
  -- who wrote it: the account deletion of this DID deletes the note (the booking stays for the host)
  guest_did TEXT NOT NULL,
  note_ciphertext TEXT NOT NULL,
  key_id TEXT NOT NULL,
  -- epoch ms
  created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS booking_notes_by_guest ON booking_notes (guest_did);
CREATE INDEX IF NOT EXISTS booking_notes_by_key ON booking_notes (key_id, booking_id);
