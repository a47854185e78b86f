import { type FormEvent, useMemo } from "react"
import { zoneChoices } from "../lib/time"
import { dayName, POLICY_LABELS, type Policy, type TimeRange, type Weekday, WEEKDAYS, type WeeklyDraft } from "../lib/weeklyHours"

export interface WeeklyHoursEditorProps {
  readonly draft: WeeklyDraft
  readonly editing: boolean
  readonly busy: boolean
  readonly problem: { readonly field: string; readonly message: string } | undefined
  readonly onChange: (draft: WeeklyDraft) => void
  readonly onSave: () => void
  readonly onCancelEdit: () => void
}

/** Days × time ranges, zone, validity, tier and note of one weekly offer. Every control is labelled. */
export function WeeklyHoursEditor({ draft, editing, busy, problem, onChange, onSave, onCancelEdit }: WeeklyHoursEditorProps) {
  const zones = useMemo(() => zoneChoices(draft.tz, "UTC"), [draft.tz])
  const setDay = (day: Weekday, ranges: ReadonlyArray<TimeRange>) => onChange({ ...draft, days: { ...draft.days, [day]: ranges } })
  const setRange = (day: Weekday, index: number, change: Partial<TimeRange>) =>
    setDay(day, draft.days[day].map((range, i) => (i === index ? { ...range, ...change } : range)))
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    onSave()
  }
  const invalid = (field: string) => (problem?.field === field ? { "aria-invalid": true, "aria-describedby": "hours-problem" } : {})
  return (
    <form className="card" onSubmit={submit} aria-labelledby="hours-title" noValidate>
      <h2 id="hours-title">{editing ? "Edit weekly hours" : "New weekly hours"}</h2>
      {problem !== undefined && (
        <p id="hours-problem" className="notice error" role="alert">
          {problem.message}
        </p>
      )}
      <label htmlFor="tz">Time zone</label>
      <select id="tz" value={draft.tz} onChange={(e) => onChange({ ...draft, tz: e.target.value })} {...invalid("tz")}>
        {zones.map((zone) => (
          <option key={zone} value={zone}>
            {zone.replaceAll("_", " ")}
          </option>
        ))}
      </select>
      {WEEKDAYS.map((day) => (
        <fieldset key={day} className="weekday">
          <legend>{dayName(day)}</legend>
          {draft.days[day].length === 0 && <p className="muted">Not available.</p>}
          {draft.days[day].map((range, i) => (
            <div key={i} className="row">
              <div>
                <label htmlFor={`${day}-${i}-start`}>
                  {dayName(day)} from{i > 0 ? ` (${i + 1})` : ""}
                </label>
                <input id={`${day}-${i}-start`} type="time" step={300} value={range.start} onChange={(e) => setRange(day, i, { start: e.target.value })} {...invalid(`${day}-${i}-start`)} />
              </div>
              <div>
                <label htmlFor={`${day}-${i}-end`}>
                  {dayName(day)} until{i > 0 ? ` (${i + 1})` : ""}
                </label>
                <input id={`${day}-${i}-end`} type="time" step={300} value={range.end} onChange={(e) => setRange(day, i, { end: e.target.value })} {...invalid(`${day}-${i}-end`)} />
              </div>
              <div style={{ flex: "0 0 auto" }}>
                <button type="button" className="secondary" onClick={() => setDay(day, draft.days[day].filter((_, j) => j !== i))} aria-label={`Remove ${dayName(day)} ${range.start}–${range.end}`}>
                  Remove
                </button>
              </div>
            </div>
          ))}
          <p>
            <button
              id={`${day}-add`}
              type="button"
              className="secondary"
              onClick={() => {
                const last = draft.days[day].at(-1)
                setDay(day, [...draft.days[day], last === undefined ? { start: "09:00", end: "17:00" } : { start: last.end, end: last.end < "22:00" ? "23:00" : "23:59" }])
              }}
            >
              Add a time range on {dayName(day)}
            </button>
          </p>
        </fieldset>
      ))}
      <div className="row">
        <div>
          <label htmlFor="validFrom">First day</label>
          <input id="validFrom" type="date" value={draft.validFrom} onChange={(e) => onChange({ ...draft, validFrom: e.target.value })} {...invalid("validFrom")} />
        </div>
        <div>
          <label htmlFor="validUntil">Until (optional, not included)</label>
          <input id="validUntil" type="date" value={draft.validUntil} onChange={(e) => onChange({ ...draft, validUntil: e.target.value })} {...invalid("validUntil")} />
        </div>
      </div>
      <label htmlFor="policy">Who may book these hours</label>
      <select id="policy" value={draft.policy} onChange={(e) => onChange({ ...draft, policy: e.target.value as Policy })}>
        {Object.entries(POLICY_LABELS).map(([policy, label]) => (
          <option key={policy} value={policy}>
            {label}
          </option>
        ))}
      </select>
      <label htmlFor="note">Note for guests (optional, public)</label>
      <textarea id="note" rows={2} maxLength={300} value={draft.note} onChange={(e) => onChange({ ...draft, note: e.target.value })} />
      <p className="row" style={{ alignItems: "center" }}>
        <button type="submit" disabled={busy} style={{ flex: "0 0 auto" }}>
          {editing ? "Save changes" : "Publish these hours"}
        </button>
        {editing && (
          <button type="button" className="secondary" onClick={onCancelEdit} style={{ flex: "0 0 auto" }}>
            Cancel editing
          </button>
        )}
      </p>
      <p className="muted">Publishing writes an app.overlap.slotOffer record to your own repository on your PDS. It says when you are free, never what is in your calendar.</p>
    </form>
  )
}
