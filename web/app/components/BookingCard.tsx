import { useState } from "react"
import type { BookingView, Slot } from "../../../src/lexicon/types/app/overlap/defs"
import { csrfHeaders } from "../lib/csrf"
import { sentenceFor } from "../lib/errorSentences"
import { dateTimeLabel, detectedZone, timeLabel } from "../lib/time"
import { XrpcError, xrpcClient } from "../lib/xrpc"

const client = () => xrpcClient((request) => fetch(request, { credentials: "same-origin" }), window.location.origin)
const explain = (error: unknown) => (error instanceof XrpcError ? sentenceFor(error.error, { retryAfterSec: error.retryAfterSec }) : sentenceFor("InternalServerError"))
const minutes = (slot: Slot) => Math.round((Date.parse(slot.end) - Date.parse(slot.start)) / 60_000)

/**
 * One booking in the inbox, with what this person may do now: the host confirms or declines a held booking;
 * either side cancels, or moves it to another time picked from the candidates the AppView offers.
 */
export function BookingCard({ booking, role, zone, onChanged }: { readonly booking: BookingView; readonly role: "host" | "guest"; readonly zone: string; readonly onChanged: () => void }) {
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [candidates, setCandidates] = useState<ReadonlyArray<Slot> | undefined>(undefined)
  const other = role === "host" ? booking.guestDid : booking.hostDid
  const live = booking.status === "held" || booking.status === "confirmed" || booking.status === "pending"

  const act = async (run: () => Promise<unknown>) => {
    setBusy(true)
    setProblem(undefined)
    try {
      await run()
      setCandidates(undefined)
      onChanged()
    } catch (error) {
      setProblem(explain(error))
    } finally {
      setBusy(false)
    }
  }
  const findTimes = () =>
    act(async () => {
      if (booking.slot === undefined) return
      const now = new Date(Math.ceil(Date.now() / 60_000) * 60_000)
      const length = minutes(booking.slot)
      const answer = await client().query("app.overlap.getAvailability", {
        host: booking.hostDid,
        durationMin: length,
        durationMax: length,
        earliest: now.toISOString(),
        latest: new Date(now.getTime() + 14 * 86_400_000).toISOString(),
        tz: zone || detectedZone()
      })
      setCandidates(answer.slots.filter((slot) => slot.start !== booking.slot?.start))
    })

  return (
    <li className="card" aria-busy={busy}>
      <p>
        <strong>{booking.slot ? `${dateTimeLabel(booking.slot.start, zone)} – ${timeLabel(booking.slot.end, zone)}` : "Time not fixed yet"}</strong>
      </p>
      <p className="muted">
        {role === "host" ? "Guest" : "Host"}: {other}
        {booking.status === "held" && booking.holdExpiresAt ? ` · held until ${dateTimeLabel(booking.holdExpiresAt, zone)}` : ""}
      </p>
      <div className="row">
        {role === "host" && booking.status === "held" && (
          <>
            <button type="button" disabled={busy} onClick={() => act(() => client().procedure("app.overlap.finalize", { bookingId: booking.id }, csrfHeaders()))}>
              Confirm
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => act(() => client().procedure("app.overlap.decline", { bookingId: booking.id }, csrfHeaders()))}>
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
          <button type="button" className="secondary" disabled={busy} onClick={() => act(() => client().procedure("app.overlap.cancel", { bookingId: booking.id }, csrfHeaders()))}>
            Cancel meeting
          </button>
        )}
      </div>
      {candidates !== undefined && (
        <fieldset>
          <legend>Pick the new time</legend>
          {candidates.length === 0 ? (
            <p>No other time is free for both of you in the next 14 days.</p>
          ) : (
            <ul className="times">
              {candidates.map((slot) => (
                <li key={slot.start}>
                  <button type="button" disabled={busy} onClick={() => act(() => client().procedure("app.overlap.reschedule", { bookingId: booking.id, slot }, csrfHeaders()))}>
                    {dateTimeLabel(slot.start, zone)}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </fieldset>
      )}
      {problem !== undefined && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
    </li>
  )
}
