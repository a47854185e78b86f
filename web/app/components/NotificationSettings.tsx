import { type FormEvent, useState } from "react"
import type { ChannelPreferences, Preferences, SettingsView } from "../../../src/lexicon/types/app/overlap/notify/defs"
import { send } from "../lib/browserXrpc"
import { emailStateSentence, preferencesStateSentence } from "../lib/notificationState"
import { useAction } from "../lib/useAction"

type Kind = ChannelPreferences["kinds"][number]
const KINDS: ReadonlyArray<readonly [Kind, string]> = [
  ["held", "a time is held for you"],
  ["confirmed", "a meeting is confirmed"],
  ["declined", "a booking is declined"],
  ["canceled", "a meeting is canceled"],
  ["rescheduled", "a meeting moves"],
  ["expired", "a hold lapses"],
  ["reminder", "reminders before meetings"],
  ["connector", "a calendar needs reconnecting"]
]

/** A list of minutes ("1440, 60") as numbers; undefined when something in it is not a whole number. */
const minutesOf = (text: string): ReadonlyArray<number> | undefined => {
  const parts = text.split(/[\s,]+/).filter((part) => part.length > 0)
  const numbers = parts.map(Number)
  return numbers.every((n) => Number.isInteger(n)) ? numbers : undefined
}

/**
 * The e-mail address (sealed by the AppView; unverified until its link is opened) and what reaches this person:
 * e-mail kinds, Bluesky DMs (opt-in) and reminders. Without an address no e-mail is sent, whatever is ticked.
 */
export function NotificationSettings({ settings, onChanged }: { readonly settings: SettingsView; readonly onChanged: () => unknown }) {
  const { busy, problem, run } = useAction(onChanged)
  const [said, setSaid] = useState<string | undefined>(undefined)
  const preferences = settings.preferences
  const saveEmail = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const email = String(new FormData(event.currentTarget).get("email") ?? "").trim()
    void run(async () => {
      await send("app.overlap.notify.putEmail", { email })
      setSaid(`We sent a link to ${email}: open it to start receiving e-mail there.`)
    })
  }
  const savePreferences = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const minutes = minutesOf(String(form.get("minutesBefore") ?? ""))
    if (minutes === undefined) return // the field's pattern keeps the browser from sending it
    const channel = (name: "email" | "dm"): ChannelPreferences => ({
      enabled: form.get(`${name}-enabled`) === "on",
      kinds: KINDS.map(([kind]) => kind).filter((kind) => form.get(`${name}-${kind}`) === "on")
    })
    const next: Preferences = {
      email: channel("email"),
      dm: channel("dm"),
      reminders: { enabled: form.get("reminders-enabled") === "on", minutesBefore: [...minutes] },
      ...(preferences.timeZone !== undefined ? { timeZone: preferences.timeZone } : {})
    }
    void run(async () => {
      await send("app.overlap.notify.putPreferences", next)
      setSaid("Notification preferences saved.")
    })
  }
  const channelFields = (name: "email" | "dm", title: string, current: ChannelPreferences) => (
    <fieldset>
      <legend>{title}</legend>
      <label className="check">
        <input type="checkbox" name={`${name}-enabled`} defaultChecked={current.enabled} /> Send {name === "email" ? "e-mail" : "Bluesky direct messages"}
      </label>
      {KINDS.map(([kind, words]) => (
        <label key={kind} className="check">
          <input type="checkbox" name={`${name}-${kind}`} defaultChecked={current.kinds.includes(kind)} /> When {words}
        </label>
      ))}
    </fieldset>
  )
  return (
    <section aria-labelledby="notifications">
      <h2 id="notifications">Notifications</h2>
      <p id="email-state">{emailStateSentence(settings)}</p>
      <form className="card" onSubmit={saveEmail}>
        <label htmlFor="email">E-mail address</label>
        <input id="email" name="email" type="email" required autoComplete="email" defaultValue={settings.email?.address ?? ""} />
        <div className="row">
          <button type="submit" disabled={busy}>
            Save address
          </button>
          {settings.email !== undefined && (
            <button type="button" className="secondary" disabled={busy} onClick={() => run(async () => (await send("app.overlap.notify.deleteEmail", undefined), setSaid("Address removed: no e-mail will be sent.")))}>
              Remove address
            </button>
          )}
        </div>
      </form>
      <form className="card" onSubmit={savePreferences}>
        {preferencesStateSentence(settings) !== undefined && <p role="status">{preferencesStateSentence(settings)}</p>}
        {channelFields("email", "E-mail", preferences.email)}
        {channelFields("dm", "Bluesky direct messages", preferences.dm)}
        <fieldset>
          <legend>Reminders</legend>
          <label className="check">
            <input type="checkbox" name="reminders-enabled" defaultChecked={preferences.reminders.enabled} /> Remind me before meetings
          </label>
          <label htmlFor="minutesBefore">Minutes before (up to 4, e.g. 1440, 60)</label>
          <input id="minutesBefore" name="minutesBefore" type="text" inputMode="numeric" pattern={"\\s*\\d+(\\s*,\\s*\\d+){0,3}\\s*"} title="Whole minutes, separated by commas" defaultValue={preferences.reminders.minutesBefore.join(", ")} />
        </fieldset>
        <p>
          <button type="submit" disabled={busy}>
            Save preferences
          </button>
        </p>
      </form>
      {said !== undefined && problem === undefined && (
        <p className="notice ok" role="status">
          {said}
        </p>
      )}
      {problem !== undefined && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
    </section>
  )
}
