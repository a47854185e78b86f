import { useState } from "react"
import type { BookingView, Slot } from "../../../src/lexicon/types/app/overlap/defs"
import { browserXrpc, send } from "../lib/browserXrpc"
import { dateTimeLabel, detectedZone, timeLabel } from "../lib/time"
import { useAction } from "../lib/useAction"

const minutes = (slot: Slot) => Math.round((Date.parse(slot.end) - Date.parse(slot.start)) / 60_000)
const CANDIDATE_DAYS = 14

/** "Tue 8 Dec, 14:30 – 15:00 CET" in `zone`. */
const span = (slot: { readonly start: string; readonly end: string }, zone: string) => `${dateTimeLabel(slot.start, zone)} – ${timeLabel(slot.end, zone)}`

/** The same time on the other person's clock, when their zone differs from the viewer's. */
function OtherClock({ slot, zone, otherZone, other }: { readonly slot: { readonly start: string; readonly end: string }; readonly zone: string; readonly otherZone: string | undefined; readonly other: string }) {
  if (otherZone === undefined || otherZone === zone) return null
  return (
    <span className="muted other-zone">
      {" "}
      ({span(slot, otherZone)} for {other}, {otherZone.replaceAll("_", " ")})
    </span>
  )
}

export interface BookingCardProps {
  readonly booking: BookingView
  readonly role: "host" | "guest"
  /** The viewer's zone: every time is shown in it. */
  readonly zone: string
  /** The other person's zone, shown beside (the guest's is the booking's; the host's comes from their offers). */
  readonly otherZone: string | undefined
  /** The other person's handle, when it could be read. */
  readonly otherHandle: string | undefined
  readonly onChanged: () => unknown
}

/**
 * One booking in the inbox, with what this person may do now: the host confirms or declines a held booking, and
 * confirms or declines a guest's proposal to move it; either side cancels, or moves it to a time picked from the
 * candidates the AppView offers (a guest's move is a proposal the host answers, unless the host lets guests move).
 */
export function BookingCard({ booking, role, zone, otherZone, otherHandle, onChanged }: BookingCardProps) {
  const { busy, problem, run } = useAction(onChanged)
  const [candidates, setCandidates] = useState<ReadonlyArray<Slot> | undefined>(undefined)
  const [said, setSaid] = useState<string | undefined>(undefined)
  const other = otherHandle !== undefined ? `@${otherHandle}` : role === "host" ? booking.guestDid : booking.hostDid
  const live = booking.status === "held" || booking.status === "confirmed" || booking.status === "rescheduled" || booking.status === "pending"
  const proposal = booking.proposal

  const act = (work: () => Promise<unknown>, afterwards?: string) =>
    run(async () => {
      setSaid(undefined)
      await work()
      setCandidates(undefined)
      if (afterwards !== undefined) setSaid(afterwards)
    })
  const findTimes = () =>
    run(async () => {
      if (booking.slot === undefined) return
      const now = new Date(Math.ceil(Date.now() / 60_000) * 60_000)
      const length = minutes(booking.slot)
      const answer = await browserXrpc().query("app.overlap.getAvailability", {
        host: booking.hostDid,
        durationMin: length,
        durationMax: length,
        earliest: now.toISOString(),
        latest: new Date(now.getTime() + CANDIDATE_DAYS * 86_400_000).toISOString(),
        tz: zone || detectedZone()
      })
      setCandidates(answer.slots.filter((slot) => slot.start !== booking.slot?.start))
    })
  const moveTo = (slot: Slot) =>
    run(async () => {
      setSaid(undefined)
      const answer = await send("app.overlap.reschedule", { bookingId: booking.id, slot: { start: slot.start, end: slot.end } })
      setCandidates(undefined)
      setSaid(answer.proposed === true ? `Proposed ${span(slot, zone)}: ${other} confirms or declines the move; until then the meeting stays where it is.` : `Moved to ${span(slot, zone)}.`)
    })

  return (
    <li className="card" aria-busy={busy} data-booking={booking.id}>
      <p>
        <strong>{booking.slot ? span(booking.slot, zone) : "Time not fixed yet"}</strong>
        {booking.slot !== undefined && <OtherClock slot={booking.slot} zone={zone} otherZone={otherZone} other={other} />}
      </p>
      <p className="muted">
        {role === "host" ? "Guest" : "Host"}: {other}
        {booking.status === "held" && booking.holdExpiresAt ? ` · held until ${dateTimeLabel(booking.holdExpiresAt, zone)}` : ""}
      </p>
      {booking.note !== undefined && booking.note.length > 0 && (
        // the guest's note, as plain text (React escapes it): only the booking's host and guest receive it
        <p className="note" data-note="">{role === "host" ? `Note from ${other}: ` : "Your note: "}{booking.note}</p>
      )}
      {proposal !== undefined && (
        <div className="notice" role="group" aria-label="Proposed new time">
          <p>
            {role === "host" ? `${other} asks to move this to ` : "You asked to move this to "}
            <strong>{span(proposal, zone)}</strong>
            <OtherClock slot={proposal} zone={zone} otherZone={otherZone} other={other} />
            {role === "guest" ? ` — waiting for ${other}, until ${dateTimeLabel(proposal.expiresAt, zone)}.` : ` (answer by ${dateTimeLabel(proposal.expiresAt, zone)}).`}
          </p>
          {role === "host" && (
            <div className="row">
              <button type="button" disabled={busy} onClick={() => act(() => send("app.overlap.confirmReschedule", { bookingId: booking.id }), "Moved to the proposed time.")}>
                Accept new time
              </button>
              <button type="button" className="secondary" disabled={busy} onClick={() => act(() => send("app.overlap.declineReschedule", { bookingId: booking.id }), "Kept the current time.")}>
                Keep current time
              </button>
            </div>
          )}
        </div>
      )}
      <div className="row">
        {role === "host" && booking.status === "held" && (
          <>
            <button type="button" disabled={busy} onClick={() => act(() => send("app.overlap.finalize", { bookingId: booking.id }))}>
              Confirm
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => act(() => send("app.overlap.decline", { bookingId: booking.id }))}>
              Decline
            </button>
          </>
        )}
        {live && booking.slot !== undefined && (
          <button type="button" className="secondary" disabled={busy} onClick={findTimes}>
            Move to another time
          </button>
        )}
        {live && (
          <button type="button" className="secondary" disabled={busy} onClick={() => act(() => send("app.overlap.cancel", { bookingId: booking.id }))}>
            Cancel meeting
          </button>
        )}
      </div>
      {candidates !== undefined && (
        <fieldset>
          <legend>Pick the new time</legend>
          {candidates.length === 0 ? (
            <p>No other time is free for both of you in the next {CANDIDATE_DAYS} days.</p>
          ) : (
            <ul className="times">
              {candidates.map((slot) => (
                <li key={slot.start}>
                  <button type="button" disabled={busy} data-start={slot.start} onClick={() => moveTo(slot)}>
                    {dateTimeLabel(slot.start, zone)}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </fieldset>
      )}
      {said !== undefined && (
        <p className="notice ok" role="status">
          {said}
        </p>
      )}
      {problem !== undefined && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
    </li>
  )
}
