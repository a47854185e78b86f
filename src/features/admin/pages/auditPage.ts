import type { AuditEvent } from "../../../services/AuditEventsRepo"
import { type Html, html, table } from "./html"

/** A booking id as the console accepts it: what BookingDO names use (letters, digits, `-_.:#`), ≤ 200 characters. */
export const BOOKING_ID = /^[A-Za-z0-9._:#-]{1,200}$/

const form = (bookingId: string): Html => html`<form method="get" action="/admin/audit">
<label for="booking">Booking id</label><input id="booking" name="booking" value="${bookingId}" required maxlength="200" pattern="[A-Za-z0-9._:#\\-]{1,200}">
<button type="submit">Show</button></form>`

/** The audit trail of one booking: every transition, who made it, and when (the full JSON record stays in R2). */
export const auditBody = (bookingId: string, events: ReadonlyArray<AuditEvent> | undefined, problem?: string): Html => html`
${form(bookingId)}${problem !== undefined ? html`<p class="bad" role="alert">${problem}</p>` : ""}${
  events === undefined
    ? ""
    : table(`Audit trail of ${bookingId}`, ["#", "when", "event", "from", "to", "actor"], events.map((e) => [
      e.id,
      new Date(e.createdAt).toISOString(),
      e.eventType,
      e.fromState ?? "",
      e.toState ?? "",
      e.actorDid
    ]), "no events for this booking")
}`
