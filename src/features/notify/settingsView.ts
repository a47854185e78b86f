import type { NotifyDefsSettingsView } from "../../lexicon/schemas"
import type { NotifySettingsView } from "../../services/NotifySettings"

/** The owner's view of their notification settings (the address is shown to its owner only). */
export const settingsView = (settings: NotifySettingsView): NotifyDefsSettingsView => ({
  ...(settings.email !== undefined
    ? { email: { address: settings.email.address, verified: settings.email.verifiedAt !== null } }
    : {}),
  preferences: {
    email: { enabled: settings.preferences.email.enabled, kinds: [...settings.preferences.email.kinds] },
    dm: { enabled: settings.preferences.dm.enabled, kinds: [...settings.preferences.dm.kinds] },
    reminders: { enabled: settings.preferences.reminders.enabled, minutesBefore: [...settings.preferences.reminders.minutesBefore] },
    ...(settings.preferences.timeZone !== undefined ? { timeZone: settings.preferences.timeZone } : {})
  }
})
