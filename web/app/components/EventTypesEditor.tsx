import { type FormEvent, useState } from "react"
import type { RecordEntry } from "../../../src/lexicon/types/app/overlap/host/defs"
import { POLICY_LABELS, type Policy } from "../lib/weeklyHours"

/** The lengths a host can tick (minutes); the lexicon allows 1–6 distinct ones from 5 to 1440. */
const LENGTHS = [15, 30, 45, 60, 90, 120] as const

/** A slug from a name: lowercase letters and digits joined by single hyphens (app.overlap.eventType's key). */
export const slugOf = (name: string) =>
  name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64)

export interface EventTypesEditorProps {
  readonly eventTypes: ReadonlyArray<RecordEntry>
  readonly offers: ReadonlyArray<{ readonly uri: string; readonly label: string }>
  readonly busy: boolean
  readonly onSave: (eventType: Record<string, unknown>) => void
  readonly onDelete: (slug: string) => void
}

/** The host's event types (name, link slug, lengths, tier, which offers): list, delete, create. */
export function EventTypesEditor({ eventTypes, offers, busy, onSave, onDelete }: EventTypesEditorProps) {
  const [name, setName] = useState("")
  const [slug, setSlug] = useState("")
  const [slugTouched, setSlugTouched] = useState(false)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const durations = form.getAll("durations").map(Number)
    const chosenOffers = form.getAll("offers").map(String)
    const finalSlug = slugTouched ? slug : slugOf(name)
    if (name.trim() === "") return setProblem("Give the event type a name.")
    if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(finalSlug)) return setProblem("The link name may use lowercase letters and digits joined by single hyphens.")
    if (durations.length === 0) return setProblem("Tick at least one length.")
    setProblem(undefined)
    const description = String(form.get("description") ?? "").trim()
    onSave({
      name: name.trim(),
      slug: finalSlug,
      durations,
      policy: String(form.get("policy") ?? "anyone"),
      ...(description !== "" ? { description } : {}),
      ...(chosenOffers.length > 0 ? { offers: chosenOffers } : {})
    })
  }
  return (
    <section aria-labelledby="event-types-title">
      <h2 id="event-types-title">Event types</h2>
      <p className="muted">What guests can book: a name, the lengths they may pick and who may book it. Without any, guests pick a length from 15 to 90 minutes.</p>
      <ul style={{ listStyle: "none", padding: 0 }} aria-label="Your event types">
        {eventTypes.map((entry) => {
          const value = entry.value as { name?: string; slug?: string; durations?: ReadonlyArray<number>; policy?: Policy; offers?: ReadonlyArray<string> }
          return (
            <li key={entry.uri} className="card">
              <p>
                <strong>{value.name}</strong> <span className="muted">/{value.slug}</span>
              </p>
              <p className="muted">
                {(value.durations ?? []).join(", ")} minutes · {POLICY_LABELS[value.policy ?? "anyone"]} ·{" "}
                {value.offers === undefined ? "all your hours" : `${value.offers.length} of your hours`}
              </p>
              {entry.problem !== undefined && <p className="notice error">Overlap cannot use this record: {entry.problem}</p>}
              <button type="button" className="secondary" disabled={busy} onClick={() => onDelete(entry.rkey)} aria-label={`Delete event type ${value.name ?? entry.rkey}`}>
                Delete
              </button>
            </li>
          )
        })}
        {eventTypes.length === 0 && <li className="muted">No event types yet.</li>}
      </ul>
      <form className="card" onSubmit={submit} aria-label="New event type">
        <h3>New event type</h3>
        {problem !== undefined && (
          <p className="notice error" role="alert">
            {problem}
          </p>
        )}
        <label htmlFor="et-name">Name</label>
        <input id="et-name" name="name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} placeholder="Intro call" />
        <label htmlFor="et-slug">Link name</label>
        <input
          id="et-slug"
          name="slug"
          value={slugTouched ? slug : slugOf(name)}
          maxLength={64}
          onChange={(e) => {
            setSlugTouched(true)
            setSlug(e.target.value)
          }}
          aria-describedby="et-slug-help"
        />
        <p id="et-slug-help" className="muted">
          Lowercase letters, digits and hyphens. Saving with a link name you already use replaces that event type.
        </p>
        <label htmlFor="et-description">Description (optional, public)</label>
        <textarea id="et-description" name="description" rows={2} maxLength={1000} />
        <fieldset>
          <legend>Lengths guests may pick</legend>
          {LENGTHS.map((minutes) => (
            <label key={minutes} className="check">
              <input type="checkbox" name="durations" value={minutes} defaultChecked={minutes === 30} /> {minutes} minutes
            </label>
          ))}
        </fieldset>
        <label htmlFor="et-policy">Who may book it</label>
        <select id="et-policy" name="policy" defaultValue="anyone">
          {Object.entries(POLICY_LABELS).map(([policy, label]) => (
            <option key={policy} value={policy}>
              {label}
            </option>
          ))}
        </select>
        {offers.length > 0 && (
          <fieldset>
            <legend>From which hours (none ticked: all of them)</legend>
            {offers.map((offer) => (
              <label key={offer.uri} className="check">
                <input type="checkbox" name="offers" value={offer.uri} /> {offer.label}
              </label>
            ))}
          </fieldset>
        )}
        <p>
          <button type="submit" disabled={busy}>
            Save event type
          </button>
        </p>
      </form>
    </section>
  )
}
