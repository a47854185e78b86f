import { useEffect, useMemo, useRef, useState } from "react"
import type { Hold, OfferView, Slot } from "../../../src/lexicon/types/app/overlap/defs"
import { csrfHeaders } from "../lib/csrf"
import { sentenceFor } from "../lib/errorSentences"
import { byDay, dateTimeLabel, dayLabel, detectedZone, timeLabel, zoneChoices } from "../lib/time"
import { makeTokenSource, TURNSTILE_HEADER } from "../lib/turnstile"
import { XrpcError, xrpcClient } from "../lib/xrpc"
import { tierSentence } from "../lib/tiers"

const DURATIONS = [15, 30, 45, 60] as const
const WINDOW_DAYS = 14
const NOTE_KEY = "overlap:booking-note"

type Outcome =
  | { readonly kind: "held"; readonly slot: Slot; readonly expiresAt: string }
  | { readonly kind: "checking" }
  | { readonly kind: "refused"; readonly sentence: string }

/** Two ISO instants are the same moment (the server may write them with or without milliseconds). */
const sameInstant = (a: string, b: string) => Date.parse(a) === Date.parse(b)

const browserClient = () => xrpcClient((request) => fetch(request, { credentials: "same-origin" }), window.location.origin)

/** How long the page follows a pending match before it says the booking will appear in the inbox. */
const PENDING_FOLLOW_MS = 120_000

/**
 * A pending match (202 from `match`): asks getMatchStatus, waiting what the AppView suggests (1–10 s) between
 * questions, until the slot is held (the hold), refused (thrown as the failure's XRPC error) or PENDING_FOLLOW_MS pass.
 */
const holdOf = async (token: string, firstWaitSec: number | undefined, onWaiting: () => void): Promise<Hold | undefined> => {
  onWaiting()
  const deadline = Date.now() + PENDING_FOLLOW_MS
  let waitSec = firstWaitSec ?? 1
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(waitSec, 1), 10) * 1000))
    const status = await browserClient().query("app.overlap.getMatchStatus", { token })
    if (status.status === "held" && status.hold !== undefined) return status.hold
    if (status.status === "failed") throw new XrpcError(409, status.failure ?? "NoSlotAvailable", "", undefined)
    waitSec = status.retryAfterSec ?? 2
  }
  return undefined
}

/** The choice a visitor made, in the URL so that signing in comes back to it. */
const choiceFromUrl = () => {
  const params = new URLSearchParams(window.location.search)
  const duration = Number(params.get("duration"))
  return {
    start: params.get("start") ?? undefined,
    duration: (DURATIONS as ReadonlyArray<number>).includes(duration) ? duration : undefined,
    zone: params.get("tz") ?? undefined
  }
}

export function BookingPanel({ handle, did, initialOffers, siteKey }: { readonly handle: string; readonly did: string; readonly initialOffers: ReadonlyArray<OfferView> | undefined; readonly siteKey: string }) {
  const widget = useRef<HTMLDivElement>(null)
  const token = useMemo(() => makeTokenSource(siteKey, () => widget.current), [siteKey])
  const [anonymous] = useState(initialOffers === undefined)
  const [offers, setOffers] = useState(initialOffers)
  const [zone, setZone] = useState<string | undefined>(undefined)
  const [duration, setDuration] = useState<number>(30)
  const [slots, setSlots] = useState<ReadonlyArray<Slot> | undefined>(undefined)
  const [day, setDay] = useState<string | undefined>(undefined)
  const [chosen, setChosen] = useState<string | undefined>(undefined)
  const [note, setNote] = useState("")
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [booking, setBooking] = useState(false)
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined)
  // the time chosen before signing in (from the URL), looked up once more if the list no longer shows it
  const returnedStart = useRef<string | undefined>(undefined)
  const hostZone = offers?.[0]?.tz

  const explain = (error: unknown) =>
    error instanceof XrpcError
      ? error.error === "TierNotMet"
        ? tierSentence(handle, offers)
        : sentenceFor(error.error, { host: handle, retryAfterSec: error.retryAfterSec })
      : sentenceFor("InternalServerError")
  const challengeHeaders = async (): Promise<HeadersInit> => (anonymous ? { [TURNSTILE_HEADER]: await token() } : {})

  // the visitor's zone and any choice they made before signing in (browser only: the server cannot know the zone)
  useEffect(() => {
    const back = choiceFromUrl()
    setZone(back.zone ?? detectedZone())
    if (back.duration !== undefined) setDuration(back.duration)
    if (back.start !== undefined) {
      setChosen(back.start)
      returnedStart.current = back.start
    }
    setNote(sessionStorage.getItem(NOTE_KEY) ?? "")
  }, [])

  // a signed-out visitor asks for the host's offers after passing Turnstile
  useEffect(() => {
    if (offers !== undefined) return
    let current = true
    challengeHeaders()
      .then((headers) => browserClient().query("app.overlap.getOffers", { host: did, limit: 50 }, headers))
      .then((answer) => current && setOffers(answer.offers))
      .catch((error) => current && setProblem(explain(error)))
    return () => void (current = false)
  }, [])

  // candidate times for the chosen length (instants: a change of zone only re-reads them, it asks nothing again —
  // every question spends the host's information budget)
  const zoneKnown = zone !== undefined
  useEffect(() => {
    if (zone === undefined || offers === undefined || offers.length === 0) return
    let current = true
    setSlots(undefined)
    setProblem(undefined)
    const now = new Date(Math.ceil(Date.now() / 60_000) * 60_000)
    const latest = new Date(now.getTime() + WINDOW_DAYS * 86_400_000)
    challengeHeaders()
      .then((headers) =>
        browserClient().query(
          "app.overlap.getAvailability",
          { host: did, durationMin: duration, durationMax: duration, earliest: now.toISOString(), latest: latest.toISOString(), tz: zone },
          headers
        )
      )
      .then((answer) => {
        // The list is a few times spread over the range (getAvailability), so which ones it shows moves whenever
        // any time is taken or passes: the time this visitor chose before signing in may still be free but left
        // out. It stays in the list, chosen, on its own day; `match` is what says whether it is still free (a
        // refusal is said in words), and asking again here would only spend the host's budget on a spread answer.
        const wanted = returnedStart.current
        returnedStart.current = undefined
        const wantedAt = wanted === undefined ? Number.NaN : Date.parse(wanted)
        if (wanted === undefined || !(wantedAt > now.getTime()) || answer.slots.some((slot) => sameInstant(slot.start, wanted))) return answer.slots
        const kept: Slot = { start: new Date(wantedAt).toISOString(), end: new Date(wantedAt + duration * 60_000).toISOString() }
        if (current) setChosen(kept.start)
        return [...answer.slots, kept].sort((x, y) => Date.parse(x.start) - Date.parse(y.start))
      })
      .then((list) => current && setSlots(list))
      .catch((error) => current && setProblem(explain(error)))
    return () => void (current = false)
  }, [zoneKnown, duration, offers])

  const days = useMemo(() => (slots && zone ? byDay(slots, zone) : []), [slots, zone])
  // the chosen day stays when it still has times (in the zone now chosen), else the day of the chosen time (coming
  // back from sign-in), else the first day with times
  useEffect(
    () =>
      setDay((previous) =>
        previous !== undefined && days.some(([key]) => key === previous)
          ? previous
          : (days.find(([, times]) => times.some((slot) => slot.start === chosen))?.[0] ?? days[0]?.[0])
      ),
    [days]
  )
  const dayTimes = days.find(([key]) => key === day)?.[1] ?? []
  const chosenSlot = slots?.find((slot) => slot.start === chosen)

  const book = async () => {
    if (chosenSlot === undefined || zone === undefined || offers === undefined) return
    setBooking(true)
    setOutcome(undefined)
    sessionStorage.setItem(NOTE_KEY, note)
    try {
      const answer = await browserClient().procedure(
        "app.overlap.match",
        {
          hostDid: did,
          constraints: { durationMin: duration, durationMax: duration, earliest: chosenSlot.start, latest: chosenSlot.end, tz: zone },
          ...(note.trim().length > 0 ? { note: note.trim() } : {})
        },
        csrfHeaders()
      )
      const result = answer.result
      // 202: the match goes on in the background; ask getMatchStatus until it is held or refused
      const hold = result.$type === "app.overlap.defs#hold" ? result : await holdOf(result.token, result.retryAfterSec, () => setOutcome({ kind: "checking" }))
      if (hold !== undefined) {
        sessionStorage.removeItem(NOTE_KEY)
        setOutcome({ kind: "held", slot: hold.slot, expiresAt: hold.expiresAt })
      } else setOutcome({ kind: "refused", sentence: "Overlap is still checking both calendars. Your booking will appear in your inbox when it is held." })
    } catch (error) {
      if (error instanceof XrpcError && (error.error === "AccountRequired" || error.error === "AuthMissing" || error.error === "SessionInvalid" || error.status === 401)) {
        const back = `/@${handle}?${new URLSearchParams({ start: chosenSlot.start, duration: String(duration), tz: zone })}`
        window.location.assign(`/signin?${new URLSearchParams({ returnTo: back })}`)
        return
      }
      setOutcome({ kind: "refused", sentence: explain(error) })
    } finally {
      setBooking(false)
    }
  }

  if (outcome?.kind === "held" && zone !== undefined) {
    return (
      <section className="notice ok" role="status" aria-live="polite">
        <h2>Held — waiting for @{handle} to confirm</h2>
        <p>
          {dateTimeLabel(outcome.slot.start, zone)} – {timeLabel(outcome.slot.end, zone)} is held on both calendars until{" "}
          {dateTimeLabel(outcome.expiresAt, zone)}. If @{handle} does not confirm by then, the hold lapses.
        </p>
      </section>
    )
  }

  if (outcome?.kind === "checking") {
    return (
      <section className="notice" role="status" aria-live="polite">
        <h2>Checking both calendars…</h2>
        <p>Overlap is looking for this time on your calendar and @{handle}&apos;s. This takes a few seconds.</p>
      </section>
    )
  }

  return (
    <section aria-labelledby="pick">
      <h2 id="pick">Pick a time</h2>
      <div ref={widget} />
      <div className="row">
        <div>
          <label htmlFor="duration">Length</label>
          <select id="duration" value={duration} onChange={(event) => setDuration(Number(event.target.value))}>
            {DURATIONS.map((minutes) => (
              <option key={minutes} value={minutes}>
                {minutes} minutes
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="zone">Your time zone</label>
          <select id="zone" value={zone ?? ""} onChange={(event) => setZone(event.target.value)} disabled={zone === undefined}>
            {zone === undefined ? <option value="">Detecting…</option> : zoneChoices(zone, hostZone ?? "UTC").map((name) => <option key={name} value={name}>{name.replaceAll("_", " ")}</option>)}
          </select>
        </div>
      </div>
      {hostZone !== undefined && zone !== undefined && hostZone !== zone && (
        <p className="muted" id="host-zone">
          Times are shown in your zone ({zone.replaceAll("_", " ")}). @{handle} is in {hostZone.replaceAll("_", " ")}.
        </p>
      )}
      {problem !== undefined && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
      {offers !== undefined && offers.length === 0 && problem === undefined && (
        <p className="notice" role="status">
          {anonymous ? `@${handle} has no times open to everyone right now. ` : ""}
          {tierSentence(handle, offers)}
        </p>
      )}
      {problem === undefined && offers !== undefined && offers.length > 0 && slots === undefined && <p role="status">Finding free times…</p>}
      {slots !== undefined && slots.length === 0 && (
        <p className="notice" role="status">
          No {duration}-minute time is free for both of you in the next {WINDOW_DAYS} days. Try a shorter length, or check back later.
        </p>
      )}
      {days.length > 0 && zone !== undefined && (
        <>
          <h3 id="days-label">Day</h3>
          <ul className="dates" aria-labelledby="days-label">
            {days.map(([key]) => {
              const label = dayLabel(key)
              return (
                <li key={key}>
                  <button type="button" aria-pressed={key === day} onClick={() => setDay(key)}>
                    {label.weekday}
                    <br />
                    {label.date}
                  </button>
                </li>
              )
            })}
          </ul>
          <h3 id="times-label">Time</h3>
          <ul className="times" aria-labelledby="times-label">
            {dayTimes.map((slot) => (
              <li key={slot.start}>
                <button type="button" aria-pressed={slot.start === chosen} onClick={() => setChosen(slot.start)} data-start={slot.start}>
                  {timeLabel(slot.start, zone)}
                </button>
              </li>
            ))}
          </ul>
          <label htmlFor="note">Note to @{handle} (optional)</label>
          <textarea id="note" rows={3} maxLength={300} value={note} onChange={(event) => setNote(event.target.value)} />
          <p>
            <button type="button" onClick={book} disabled={chosenSlot === undefined || booking}>
              {booking ? "Booking…" : chosenSlot !== undefined ? `Book ${dateTimeLabel(chosenSlot.start, zone)}` : "Book"}
            </button>
          </p>
        </>
      )}
      {outcome?.kind === "refused" && (
        <p className="notice error" role="alert">
          {outcome.sentence}
        </p>
      )}
    </section>
  )
}
