import { type FormEvent, useMemo, useState } from "react"
import { useLoaderData, type LoaderFunctionArgs, type MetaFunction } from "react-router"
import type { Rules, Settings } from "../../../src/lexicon/types/app/overlap/settings/defs"
import { ConsoleNav } from "../components/ConsoleNav"
import { DateOverridesEditor } from "../components/DateOverridesEditor"
import { RulesFields } from "../components/RulesFields"
import { appviewFor } from "../lib/appview.server"
import { explain, send } from "../lib/browserXrpc"
import { DATE_RULES, draftOfRules, emptyRulesDraft, type FieldProblem, NUMBER_RULES, type OverrideDraft, overrideOfDraft, problemOf, rulesOfDraft, rulesSummary, type RulesDraft, withChange } from "../lib/hostRules"
import { orSignIn } from "../lib/signedIn.server"
import { zoneChoices } from "../lib/time"
import { XrpcError } from "../lib/xrpc"

export const meta: MetaFunction = () => [{ title: "Rules & time off · Overlap" }]

/** The signed-in host's private settings (app.overlap.settings.get) and their event types, to give rules of their own. */
export const loader = async ({ request, context }: LoaderFunctionArgs) =>
  orSignIn("/app/rules", async () => {
    const appview = appviewFor(context.cloudflare.env, request)
    const [settings, eventTypes] = await Promise.all([
      appview.query("app.overlap.settings.get", {}),
      appview.query("app.overlap.host.listEventTypes", { limit: 100 }).catch(() => ({ eventTypes: [] }))
    ])
    return {
      settings: settings.settings,
      defaults: settings.defaults,
      eventTypes: eventTypes.eventTypes.map((entry) => ({ slug: entry.rkey, name: String((entry.value as { name?: unknown }).name ?? entry.rkey) }))
    }
  })

type Hints = Record<(typeof NUMBER_RULES)[number]["key"] | (typeof DATE_RULES)[number]["key"] | "guestsMayReschedule", string>

/** What an empty field means: the default (the host's rules) or the host's own value (an event type's). */
const hintsFor = (base: Rules, own: boolean): Hints => {
  const hints: Record<string, string> = {}
  const prefix = own ? "Empty: default" : "Empty: your rule"
  for (const rule of NUMBER_RULES) hints[rule.key] = base[rule.key] === undefined ? `${prefix}, no limit` : `${prefix}, ${base[rule.key]}`
  for (const rule of DATE_RULES) hints[rule.key] = base[rule.key] === undefined ? `${prefix}, none` : `${prefix}, ${base[rule.key]}`
  hints.guestsMayReschedule = `${prefix}, ${base.guestsMayReschedule === true ? "yes" : "no"}`
  return hints as Hints
}

export default function RulesPage() {
  const loaded = useLoaderData<typeof loader>()
  const [saved, setSaved] = useState<Settings>(loaded.settings)
  const [rulesDraft, setRulesDraft] = useState<RulesDraft>(() => draftOfRules(loaded.settings.rules))
  const [zone, setZone] = useState(loaded.settings.timeZone ?? "")
  const [eventType, setEventType] = useState("")
  const [eventDraft, setEventDraft] = useState<RulesDraft>(emptyRulesDraft)
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState<{ readonly ok: boolean; readonly text: string } | undefined>(undefined)
  const [problem, setProblem] = useState<FieldProblem | undefined>(undefined)
  const zones = useMemo(() => zoneChoices(...(saved.timeZone !== undefined ? [saved.timeZone] : []), "UTC"), [saved.timeZone])

  /** settings.put of the whole document; a 400 naming a field is shown beside that field and focuses it. */
  const save = async (next: Settings, done: string, prefix: string): Promise<boolean> => {
    setBusy(true)
    setMessage(undefined)
    setProblem(undefined)
    try {
      const answer = await send("app.overlap.settings.put", next)
      setSaved(answer.settings)
      setMessage({ ok: true, text: done })
      return true
    } catch (error) {
      const field = error instanceof XrpcError && error.status === 400 ? problemOf(error.message) : undefined
      if (field !== undefined) {
        setProblem(field)
        setMessage({ ok: false, text: `Nothing was saved. ${field.sentence}` })
        const id = field.form === "zone" ? "rules-timeZone" : field.form === "override" ? `override-${field.field}` : `${prefix}-${field.field}`
        setTimeout(() => document.getElementById(id)?.focus(), 0)
      } else {
        setMessage({ ok: false, text: explain(error) })
      }
      return false
    } finally {
      setBusy(false)
    }
  }

  const saveRules = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    void save(withChange(saved, { rules: rulesOfDraft(rulesDraft), timeZone: zone }), "Your rules are saved. They apply to the next booking.", "rules")
  }
  const pickEventType = (slug: string) => {
    setEventType(slug)
    setProblem(undefined)
    setEventDraft(draftOfRules(saved.eventTypes?.find((entry) => entry.eventType === slug)?.rules))
  }
  const eventTypeName = (slug: string) => loaded.eventTypes.find((e) => e.slug === slug)?.name ?? slug
  const saveEventType = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    if (eventType === "") {
      setProblem({ form: "eventType", field: "eventType", sentence: "Pick an event type first." })
      document.getElementById("eventType-eventType")?.focus()
      return
    }
    const others = (saved.eventTypes ?? []).filter((entry) => entry.eventType !== eventType)
    const index = (saved.eventTypes ?? []).findIndex((entry) => entry.eventType === eventType)
    const entry = { eventType, rules: rulesOfDraft(eventDraft) }
    const list = index < 0 ? [...others, entry] : (saved.eventTypes ?? []).map((e, i) => (i === index ? entry : e))
    void save(withChange(saved, { eventTypes: list }), `Rules for ${eventTypeName(eventType)} are saved.`, "eventType")
  }
  const clearEventType = (slug: string) =>
    void save(withChange(saved, { eventTypes: (saved.eventTypes ?? []).filter((e) => e.eventType !== slug) }), `${eventTypeName(slug)} follows your rules again.`, "eventType").then(
      (ok) => {
        if (ok && slug === eventType) setEventDraft(emptyRulesDraft())
      }
    )
  const addOverride = (draft: OverrideDraft) =>
    save(withChange(saved, { dateOverrides: [...(saved.dateOverrides ?? []), overrideOfDraft(draft)] }), "Added to your time off.", "override")
  const removeOverride = (index: number) =>
    void save(withChange(saved, { dateOverrides: (saved.dateOverrides ?? []).filter((_, i) => i !== index) }), "Removed from your time off.", "override")

  const hostRules: Rules = { ...loaded.defaults, ...saved.rules }
  const choices = [...loaded.eventTypes, ...(saved.eventTypes ?? []).filter((e) => !loaded.eventTypes.some((t) => t.slug === e.eventType)).map((e) => ({ slug: e.eventType, name: e.eventType }))]
  const zoneLabel = saved.timeZone?.replaceAll("_", " ") ?? "your weekly hours' zone"
  return (
    <main id="content">
      <ConsoleNav current="rules" />
      <h1>Rules &amp; time off</h1>
      <p className="muted">Private: your rules and time off are kept by Overlap only, never shown on your booking page or written to your PDS.</p>
      {message !== undefined && (
        <p className={`notice ${message.ok ? "ok" : "error"}`} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      )}
      <form className="card" onSubmit={saveRules} aria-labelledby="rules-title" noValidate>
        <h2 id="rules-title">Your rules</h2>
        <p className="muted">They apply to every event type unless it has rules of its own. Leave a field empty for the default.</p>
        <label htmlFor="rules-timeZone">Your time zone (days, weeks and time off are read in it)</label>
        <select id="rules-timeZone" value={zone} onChange={(e) => setZone(e.target.value)} aria-invalid={problem?.form === "zone" ? true : undefined}>
          <option value="">The zone of your weekly hours</option>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z.replaceAll("_", " ")}
            </option>
          ))}
        </select>
        {problem?.form === "zone" && (
          <p className="notice error" role="alert">
            {problem.sentence}
          </p>
        )}
        <RulesFields prefix="rules" draft={rulesDraft} onChange={setRulesDraft} hints={hintsFor(loaded.defaults, true)} inherits={false} problem={problem?.form === "rules" ? problem : undefined} />
        <p>
          <button type="submit" disabled={busy}>
            Save rules
          </button>
        </p>
      </form>

      <section aria-labelledby="event-rules-title">
        <h2 id="event-rules-title">Rules for one event type</h2>
        <ul style={{ listStyle: "none", padding: 0 }} aria-label="Event types with rules of their own">
          {(saved.eventTypes ?? []).map((entry) => (
            <li key={entry.eventType} className="card">
              <p>
                <strong>{eventTypeName(entry.eventType)}</strong>: {rulesSummary(entry.rules)}
              </p>
              <p className="row" style={{ alignItems: "center" }}>
                <button type="button" className="secondary" disabled={busy} style={{ flex: "0 0 auto" }} onClick={() => pickEventType(entry.eventType)} aria-label={`Edit the rules of ${eventTypeName(entry.eventType)}`}>
                  Edit
                </button>
                <button type="button" className="secondary" disabled={busy} style={{ flex: "0 0 auto" }} onClick={() => clearEventType(entry.eventType)} aria-label={`Clear the rules of ${eventTypeName(entry.eventType)}`}>
                  Clear
                </button>
              </p>
            </li>
          ))}
          {(saved.eventTypes ?? []).length === 0 && <li className="muted">No event type has rules of its own: your rules apply to all of them.</li>}
        </ul>
        {choices.length === 0 ? (
          <p>
            You have no event types yet. <a href="/app/availability">Create one on Availability</a>, then give it rules of its own here.
          </p>
        ) : (
          <form className="card" onSubmit={saveEventType} aria-labelledby="event-form-title" noValidate>
            <h3 id="event-form-title">Give an event type its own rules</h3>
            <label htmlFor="eventType-eventType">Event type</label>
            <select
              id="eventType-eventType"
              value={eventType}
              onChange={(e) => pickEventType(e.target.value)}
              aria-invalid={problem?.form === "eventType" && problem.field === "eventType" ? true : undefined}
            >
              <option value="">Pick an event type</option>
              {choices.map((choice) => (
                <option key={choice.slug} value={choice.slug}>
                  {choice.name}
                </option>
              ))}
            </select>
            {problem?.form === "eventType" && problem.field === "eventType" && (
              <p className="notice error" role="alert">
                {problem.sentence}
              </p>
            )}
            <p className="muted">Leave a field empty to keep your rule for it.</p>
            <RulesFields prefix="eventType" draft={eventDraft} onChange={setEventDraft} hints={hintsFor(hostRules, false)} inherits problem={problem?.form === "eventType" ? problem : undefined} />
            <p>
              <button type="submit" disabled={busy}>
                Save rules for this event type
              </button>
            </p>
          </form>
        )}
      </section>

      <DateOverridesEditor
        overrides={saved.dateOverrides ?? []}
        zone={zoneLabel}
        busy={busy}
        problem={problem?.form === "override" ? problem : undefined}
        onAdd={addOverride}
        onRemove={removeOverride}
      />
    </main>
  )
}
