import type { Effect } from "effect"
import { Context } from "effect"
import type { TokenBinding } from "../domain/tokenVault/tokenBinding"
import type { RepositoryError } from "./RepositoryError"
import type { VaultKeyError } from "./TokenVault"

/** What a guest's note is sealed for: its author and the booking it was written for. */
export const bookingNoteBinding = (guestDid: string, bookingId: string): TokenBinding => ({ did: guestDid, provider: "booking-note", connectorId: bookingId })

/** A booking whose note is asked for: its id and its guest (the note's only possible author). */
export interface NoteOwner {
  readonly id: string
  readonly guestDid: string
}

/** One of a person's own notes, for their export: the text, or "unreadable" when its vault key is gone. */
export interface ExportedNote {
  readonly bookingId: string
  readonly note: string
  readonly createdAt: number
}

/**
 * The guest's note to the host (`booking_notes`, migration 0030), sealed with the TokenVault: written once per
 * booking by app.overlap.match, opened for the booking's two people and exported to its author (the vault key ring
 * sees the same rows through BookingNoteSealedValues, without opening them).
 */
export class BookingNotes extends Context.Tag("overlap/BookingNotes")<BookingNotes, {
  /** Seals and keeps the note of `bookingId`; a second write for the same booking (a retry) changes nothing. */
  readonly put: (bookingId: string, guestDid: string, note: string) => Effect.Effect<void, RepositoryError | VaultKeyError>
  /** The opened notes of these bookings, by booking id (a note that does not open is left out, and logged). */
  readonly forBookings: (bookings: ReadonlyArray<NoteOwner>) => Effect.Effect<ReadonlyMap<string, string>, RepositoryError>
  /** Every note `guestDid` wrote, opened (their export). */
  readonly writtenBy: (guestDid: string) => Effect.Effect<ReadonlyArray<ExportedNote>, RepositoryError>
}>() {}
