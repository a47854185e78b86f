import { Effect } from "effect"
import { DEFAULT_PREFERENCES } from "../../domain/notify/preferences"
import type { NotifyDefsSettingsView } from "../../lexicon/schemas"
import { NotifySettings, type NotifySettingsExport } from "../../services/NotifySettings"

/**
 * The owner's view of their notification settings (the address is shown to its owner only). A value stored but
 * no longer openable (the vault key that sealed it was retired) is named in `unreadable` instead of failing the
 * call: an address is then absent — the person enters a new one with putEmail, which replaces it — and the
 * preferences shown are the defaults until putPreferences saves new ones.
 */
export const settingsView = (settings: NotifySettingsExport): NotifyDefsSettingsView => {
  const email = settings.email
  const preferences = settings.preferences === undefined
    ? DEFAULT_PREFERENCES
    : settings.preferences.readable
      ? settings.preferences.value
      : DEFAULT_PREFERENCES
  const unreadable = [
    ...(email !== undefined && !email.address.readable ? ["email"] : []),
    ...(settings.preferences !== undefined && !settings.preferences.readable ? ["preferences"] : [])
  ]
  return {
    ...(email !== undefined && email.address.readable
      ? { email: { address: email.address.value, verified: email.verifiedAt !== null } }
      : {}),
    preferences: {
      email: { enabled: preferences.email.enabled, kinds: [...preferences.email.kinds] },
      dm: { enabled: preferences.dm.enabled, kinds: [...preferences.dm.kinds] },
      reminders: { enabled: preferences.reminders.enabled, minutesBefore: [...preferences.reminders.minutesBefore] },
      ...(preferences.timeZone !== undefined ? { timeZone: preferences.timeZone } : {})
    },
    ...(unreadable.length > 0 ? { unreadable } : {})
  }
}

/** The caller's own settings as every app.overlap.notify.* method answers them (each sealed value opened on its own). */
export const ownSettingsView = (did: string) =>
  Effect.flatMap(NotifySettings, (settings) => settings.getForExport(did)).pipe(Effect.map(settingsView), Effect.orDie)
