import { type FormEvent, useState } from "react"
import type { DateOverride } from "../../../src/lexicon/types/app/overlap/settings/defs"
import { emptyOverrideDraft, type FieldProblem, type OverrideDraft, overrideSummary } from "../lib/hostRules"

export interface DateOverridesEditorProps {
  readonly overrides: ReadonlyArray<DateOverride>
  /** The zone the dates and hours are read in (the host's). */
  readonly zone: string
  readonly busy: boolean
  readonly problem: FieldProblem | undefined
  /** Saves the new override; resolves true when it was saved (the form then empties). */
  readonly onAdd: (draft: OverrideDraft) => Promise<boolean>
  readonly onRemove: (index: number) => void
}

/** Time off and days with other hours: the list (each removable) and a form to add a date or a range. */
export function DateOverridesEditor({ overrides, zone, busy, problem, onAdd, onRemove }: DateOverridesEditorProps) {
  const [draft, setDraft] = useState<OverrideDraft>(emptyOverrideDraft)
  const [missing, setMissing] = useState(false)
  const described = (field: string) => {
    const refused = problem?.field === field || (missing && field === "from")
    return refused ? { "aria-invalid": true, "aria-describedby": "override-problem" } : {}
  }
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    if (draft.from === "") {
      setMissing(true)
      document.getElementById("override-from")?.focus()
      return
    }
    setMissing(false)
    if (await onAdd(draft)) setDraft(emptyOverrideDraft())
  }
  const sentence = missing ? "Pick the first day." : problem?.sentence
  return (
    <section aria-labelledby="overrides-title">
      <h2 id="overrides-title">Time off and other hours</h2>
      <p className="muted">Dates are read in {zone.replaceAll("_", " ")}. A day here never opens time your weekly hours do not offer.</p>
      <ul style={{ listStyle: "none", padding: 0 }} aria-label="Your time off and other hours">
        {overrides.map((override, i) => (
          <li key={`${override.from}-${i}`} className="card row" style={{ alignItems: "center" }}>
            <span style={{ flex: "1 1 200px" }}>{overrideSummary(override)}</span>
            <button type="button" className="secondary" disabled={busy} style={{ flex: "0 0 auto" }} aria-label={`Remove ${overrideSummary(override)}`} onClick={() => onRemove(i)}>
              Remove
            </button>
          </li>
        ))}
        {overrides.length === 0 && <li className="muted">No time off yet: your weekly hours apply every week.</li>}
      </ul>
      <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="override-add-title" noValidate>
        <h3 id="override-add-title">Add time off or other hours</h3>
        {sentence !== undefined && (
          <p id="override-problem" className="notice error" role="alert">
            {sentence}
          </p>
        )}
        <div className="row">
          <div>
            <label htmlFor="override-from">First day</label>
            <input id="override-from" type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} {...described("from")} />
          </div>
          <div>
            <label htmlFor="override-until">Last day (optional)</label>
            <input id="override-until" type="date" value={draft.until} min={draft.from || undefined} onChange={(e) => setDraft({ ...draft, until: e.target.value })} {...described("until")} />
          </div>
        </div>
        <fieldset>
          <legend>On these days</legend>
          <label className="check">
            <input type="radio" name="override-kind" value="off" checked={draft.kind === "off"} onChange={() => setDraft({ ...draft, kind: "off" })} />
            Unavailable all day
          </label>
          <label className="check">
            <input type="radio" name="override-kind" value="hours" checked={draft.kind === "hours"} onChange={() => setDraft({ ...draft, kind: "hours" })} />
            Available only during these hours
          </label>
          {draft.kind === "hours" && (
            <div className="row">
              <div>
                <label htmlFor="override-start">Open from</label>
                <input id="override-start" type="time" step={300} value={draft.start} onChange={(e) => setDraft({ ...draft, start: e.target.value })} {...described("start")} />
              </div>
              <div>
                <label htmlFor="override-end">Open until</label>
                <input id="override-end" type="time" step={300} value={draft.end} onChange={(e) => setDraft({ ...draft, end: e.target.value })} {...described("end")} />
              </div>
            </div>
          )}
        </fieldset>
        <p>
          <button type="submit" disabled={busy}>
            Add to time off
          </button>
        </p>
      </form>
    </section>
  )
}
