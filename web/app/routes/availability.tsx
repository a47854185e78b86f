import { useEffect, useMemo, useState } from "react"
import { useLoaderData, useRevalidator, type LoaderFunctionArgs, type MetaFunction } from "react-router"
import type { RecordEntry } from "../../../src/lexicon/types/app/overlap/host/defs"
import { ConsoleNav } from "../components/ConsoleNav"
import { EventTypesEditor } from "../components/EventTypesEditor"
import { WeeklyHoursEditor } from "../components/WeeklyHoursEditor"
import { appviewFor } from "../lib/appview.server"
import { explain, send } from "../lib/browserXrpc"
import { orSignIn } from "../lib/signedIn.server"
import { dateTimeLabel, dayKey, dayLabel, detectedZone, timeLabel } from "../lib/time"
import { dayName, defaultDraft, draftOf, draftProblem, offerRecord, POLICY_LABELS, type Policy, previewWindows, type WeeklyDraft, type WeeklyRule } from "../lib/weeklyHours"

export const meta: MetaFunction = () => [{ title: "Availability · Overlap" }]

/** The signed-in person's own offers and event types, read from their repo at their PDS (app.overlap.host.list*). */
export const loader = async ({ request, context }: LoaderFunctionArgs) =>
  orSignIn("/app/availability", async () => {
    const appview = appviewFor(context.cloudflare.env, request)
    const [offers, eventTypes] = await Promise.all([
      appview.query("app.overlap.host.listOffers", { limit: 100 }),
      appview.query("app.overlap.host.listEventTypes", { limit: 100 })
    ])
    return { offers: offers.offers, eventTypes: eventTypes.eventTypes }
  })

/** How many days the preview shows. */
const PREVIEW_DAYS = 7
const DAY_MS = 86_400_000

interface OfferValue {
  readonly start?: string
  readonly end?: string
  readonly tz?: string
  readonly policy?: Policy
  readonly weekly?: ReadonlyArray<WeeklyRule>
  readonly validFrom?: string
  readonly validUntil?: string
  readonly note?: string
}

/** One line about an offer: its hours (or its one window), zone and validity. */
const offerSummary = (entry: RecordEntry): string => {
  const value = entry.value as OfferValue
  const tz = value.tz ?? "UTC"
  const hours = value.weekly === undefined
    ? `${dateTimeLabel(value.start ?? "", tz)} – ${dateTimeLabel(value.end ?? "", tz)}`
    : value.weekly.map((rule) => `${rule.days.map((d) => dayName(d).slice(0, 3)).join(", ")} ${rule.start}–${rule.end}`).join("; ")
  const until = value.validUntil !== undefined ? ` until ${dateTimeLabel(value.validUntil, tz)}` : ""
  return `${hours} (${tz.replaceAll("_", " ")})${until}`
}

export default function Availability() {
  const { offers, eventTypes } = useLoaderData<typeof loader>()
  const revalidator = useRevalidator()
  const [draft, setDraft] = useState<WeeklyDraft>(() => defaultDraft("UTC"))
  const [editing, setEditing] = useState<{ readonly rkey: string; readonly cid: string } | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState<{ readonly ok: boolean; readonly text: string } | undefined>(undefined)
  const [showProblem, setShowProblem] = useState(false)
  // the browser's zone once the page runs in the browser (the server renders UTC)
  useEffect(() => setDraft(defaultDraft(detectedZone())), [])
  const problem = draftProblem(draft)

  const run = async (work: () => Promise<string>) => {
    setBusy(true)
    setMessage(undefined)
    try {
      const text = await work()
      setMessage({ ok: true, text })
      await revalidator.revalidate()
    } catch (error) {
      setMessage({ ok: false, text: explain(error) })
    } finally {
      setBusy(false)
    }
  }
  const landed = (status: string) =>
    status === "queued" ? "Your PDS did not answer; Overlap will keep trying and publish it as soon as it does." : "Published to your PDS."

  const save = () => {
    setShowProblem(true)
    if (problem !== undefined) {
      document.getElementById(problem.field)?.focus()
      return
    }
    void run(async () => {
      const answer = await send("app.overlap.host.putOffer", {
        offer: offerRecord(draft),
        ...(editing !== undefined ? { rkey: editing.rkey, swapRecord: editing.cid } : {})
      })
      setEditing(undefined)
      setShowProblem(false)
      return `${editing !== undefined ? "Hours updated." : "Hours saved."} ${landed(answer.status)}`
    })
  }
  const edit = (entry: RecordEntry) => {
    const asDraft = draftOf(entry.value as Record<string, unknown>)
    if (asDraft === undefined) return
    setDraft(asDraft)
    setEditing({ rkey: entry.rkey, cid: entry.cid })
    document.getElementById("hours-title")?.scrollIntoView()
    document.getElementById("tz")?.focus()
  }

  // the preview: the next PREVIEW_DAYS days of the draft's windows, in its zone (the slot engine's expansion)
  const preview = useMemo(() => {
    const from = Date.now()
    const windows = previewWindows(draft, from, from + PREVIEW_DAYS * DAY_MS)
    const days = new Map<string, Array<{ start: number; end: number }>>()
    for (const w of windows) days.set(dayKey(new Date(w.start).toISOString(), draft.tz), [...(days.get(dayKey(new Date(w.start).toISOString(), draft.tz)) ?? []), w])
    return [...days]
  }, [draft])

  const offerChoices = offers.map((entry) => ({ uri: entry.uri, label: offerSummary(entry) }))
  return (
    <main id="content">
      <ConsoleNav current="availability" />
      <h1>Availability</h1>
      <p className="muted">When guests may book you. Times are kept in the zone you pick, across daylight-saving changes.</p>
      {message !== undefined && (
        <p className={`notice ${message.ok ? "ok" : "error"}`} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      )}
      <section aria-labelledby="offers-title">
        <h2 id="offers-title">Your published hours</h2>
        <ul style={{ listStyle: "none", padding: 0 }} aria-label="Your published hours">
          {offers.map((entry) => {
            const value = entry.value as OfferValue
            return (
              <li key={entry.uri} className="card">
                <p>{offerSummary(entry)}</p>
                <p className="muted">
                  {POLICY_LABELS[value.policy ?? "anyone"]}
                  {value.note !== undefined ? ` · “${value.note}”` : ""}
                </p>
                {entry.problem !== undefined && <p className="notice error">Overlap cannot use this record: {entry.problem}</p>}
                <p className="row" style={{ alignItems: "center" }}>
                  {value.weekly !== undefined && (
                    <button type="button" className="secondary" disabled={busy} style={{ flex: "0 0 auto" }} onClick={() => edit(entry)} aria-label={`Edit hours: ${offerSummary(entry)}`}>
                      Edit
                    </button>
                  )}
                  <button
                    type="button"
                    className="secondary"
                    disabled={busy}
                    style={{ flex: "0 0 auto" }}
                    aria-label={`Delete hours: ${offerSummary(entry)}`}
                    onClick={() => void run(async () => {
                      await send("app.overlap.host.deleteOffer", { rkey: entry.rkey })
                      if (editing?.rkey === entry.rkey) setEditing(undefined)
                      return "Hours deleted from your PDS."
                    })}
                  >
                    Delete
                  </button>
                </p>
              </li>
            )
          })}
          {offers.length === 0 && <li className="muted">You have not published any hours yet: guests cannot book you until you do.</li>}
        </ul>
      </section>
      <WeeklyHoursEditor
        draft={draft}
        editing={editing !== undefined}
        busy={busy}
        problem={showProblem ? problem : undefined}
        onChange={setDraft}
        onSave={save}
        onCancelEdit={() => {
          setEditing(undefined)
          setDraft(defaultDraft(detectedZone()))
        }}
      />
      <section aria-labelledby="preview-title">
        <h2 id="preview-title">Preview: the next {PREVIEW_DAYS} days</h2>
        <p className="muted">Times in {draft.tz.replaceAll("_", " ")}. Guests see them in their own zone; meetings already booked and busy calendar times are taken out when they look.</p>
        {preview.length === 0 && <p>No open time in the next {PREVIEW_DAYS} days.</p>}
        <ul style={{ listStyle: "none", padding: 0 }} aria-label="Open times in the next days">
          {preview.map(([key, windows]) => {
            const label = dayLabel(key)
            return (
              <li key={key}>
                <strong>
                  {label.weekday} {label.date}
                </strong>
                : {windows.map((w) => `${timeLabel(new Date(w.start).toISOString(), draft.tz)}–${timeLabel(new Date(w.end).toISOString(), draft.tz)}`).join(", ")}
              </li>
            )
          })}
        </ul>
      </section>
      <EventTypesEditor
        eventTypes={eventTypes}
        offers={offerChoices}
        busy={busy}
        onSave={(eventType) => void run(async () => landed((await send("app.overlap.host.putEventType", { eventType })).status))}
        onDelete={(slug) => void run(async () => {
          await send("app.overlap.host.deleteEventType", { slug })
          return "Event type deleted from your PDS."
        })}
      />
    </main>
  )
}
