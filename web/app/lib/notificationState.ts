import type { SettingsView } from "../../../src/lexicon/types/app/overlap/notify/defs"

/**
 * What /app/settings says about the person's e-mail address: none, one waiting for its link, one in use, or one the
 * AppView keeps but can no longer open (sealed under a retired vault key: `unreadable` names it, issue 17), which
 * is then not used and must be entered again.
 */
export const emailStateSentence = (settings: Pick<SettingsView, "email" | "unreadable">): string =>
  settings.unreadable?.includes("email")
    ? "The e-mail address you saved can no longer be read, so Overlap is not sending you e-mail. Enter your address again below."
    : settings.email === undefined
      ? "No e-mail address: Overlap sends you no e-mail. Add one below to hear about your meetings by e-mail."
      : settings.email.verified
        ? `E-mail goes to ${settings.email.address}.`
        : `${settings.email.address} is not confirmed yet: open the link we sent to it. Until then no e-mail goes there.`

/** Said above the preferences when the stored ones could not be opened and the defaults are shown instead. */
export const preferencesStateSentence = (settings: Pick<SettingsView, "unreadable">): string | undefined =>
  settings.unreadable?.includes("preferences")
    ? "Your notification choices could not be read and are shown as the defaults. Save them again to keep them."
    : undefined
