import { Option } from "effect"
import { DEFAULT_RULES_VIEW, NO_SETTINGS } from "../../domain/settings/hostSettings"
import type { SettingsGetOutput } from "../../lexicon/schemas"
import type { StoredHostSettings } from "../../services/HostSettingsRepo"

/** What settings.get and settings.put answer the owner: the settings as saved, the defaults, when saved. */
export const settingsView = (stored: Option.Option<StoredHostSettings>): SettingsGetOutput =>
  Option.match(stored, {
    onNone: () => ({ settings: NO_SETTINGS, defaults: DEFAULT_RULES_VIEW }),
    onSome: (s) => ({ settings: s.settings, defaults: DEFAULT_RULES_VIEW, updatedAt: new Date(s.updatedAt).toISOString() })
  })
