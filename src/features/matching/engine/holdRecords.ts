import type { HoldRequest } from "../../../services/CalendarProvider"
import { type CalendarParty, Held } from "../../../services/HoldStore"
import type { HoldRecord } from "./HoldLedger"

/** What a record asks of one calendar (placing it again is idempotent per booking). */
export const holdRequestFor = (record: HoldRecord, party: CalendarParty): HoldRequest => ({
  bookingId: record.bookingId,
  start: record.start,
  end: record.end,
  tz: party === "host" ? record.hostTz : record.guestTz,
  summary: record.summary
})

export const didOf = (record: HoldRecord, party: CalendarParty) => (party === "host" ? record.hostDid : record.guestDid)

/** A held or booked record as the answer to a repeated match. */
export const heldOf = (record: HoldRecord) =>
  new Held({ bookingId: record.bookingId, start: record.start, end: record.end, expiresAt: record.dueAt })

/**
 * The ledger key of a meeting's new time while it is being moved (booking ids never contain `#`). The record
 * has no calendar holds of its own (`none`), so if a crash leaves it behind, the alarm just drops it.
 */
export const moveKeyOf = (bookingId: string) => `${bookingId}#move`
