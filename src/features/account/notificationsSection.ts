import { DEFAULT_PREFERENCES, type NotifyPreferences } from "../../domain/notify/preferences"
import type { NotifySettingsExport, OpenedSetting } from "../../services/NotifySettings"

/** What the export shows for a sealed value whose vault key is gone (or that does not open). */
export const UNREADABLE = "unreadable"

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString())

const preferencesView = (p: NotifyPreferences, source: "set" | "default") => ({
  source,
  email: { enabled: p.email.enabled, kinds: [...p.email.kinds] },
  dm: { enabled: p.dm.enabled, kinds: [...p.dm.kinds] },
  reminders: { enabled: p.reminders.enabled, minutesBefore: [...p.reminders.minutesBefore] },
  timeZone: p.timeZone ?? null
})

const opened = <A, B>(setting: OpenedSetting<A>, show: (value: A) => B): B | typeof UNREADABLE =>
  setting.readable ? show(setting.value) : UNREADABLE

/**
 * The export's `notifications` section: the person's own notification settings, opened (the address is theirs),
 * never a ciphertext or a key id. The address with whether and when it was verified (null: none set); the
 * preferences per channel — e-mail, Bluesky DM (`dm.enabled` is the opt-in) — with their event kinds, the
 * reminders and the zone, `source: "default"` when the person never changed them; a value that cannot be opened is
 * "unreadable".
 */
export const notificationsSection = (settings: NotifySettingsExport) => ({
  email: settings.email === undefined
    ? null
    : {
      address: opened(settings.email.address, (address) => address),
      verified: settings.email.verifiedAt !== null,
      verifiedAt: iso(settings.email.verifiedAt)
    },
  preferences: settings.preferences === undefined
    ? preferencesView(DEFAULT_PREFERENCES, "default")
    : opened(settings.preferences, (p) => preferencesView(p, "set")),
  updatedAt: iso(settings.updatedAt)
})
