// What /app/settings says about notifications when the AppView could not open what it keeps for the person (sealed
// under a vault key that was retired: notify.getSettings lists it in `unreadable`, issue 17): not "No e-mail
// address", but that the saved address cannot be read and must be entered again, and that the choices shown are
// the defaults.
import { describe, expect, it } from "vitest"
import { emailStateSentence, preferencesStateSentence } from "../../web/app/lib/notificationState"

describe("the notification state on /app/settings", () => {
  it("no address kept: no e-mail is sent", () => {
    expect(emailStateSentence({})).toBe("No e-mail address: Overlap sends you no e-mail. Add one below to hear about your meetings by e-mail.")
    expect(preferencesStateSentence({})).toBeUndefined()
  })

  it("an address waiting for its link, and one in use", () => {
    expect(emailStateSentence({ email: { address: "ana@example.com", verified: false } })).toContain("ana@example.com is not confirmed yet")
    expect(emailStateSentence({ email: { address: "ana@example.com", verified: true } })).toBe("E-mail goes to ana@example.com.")
  })

  it("an address that can no longer be read is said so, not as 'no address'", () => {
    const said = emailStateSentence({ unreadable: ["email"] })
    expect(said).toContain("The e-mail address you saved can no longer be read")
    expect(said).not.toContain("No e-mail address")
    expect(preferencesStateSentence({ unreadable: ["email"] })).toBeUndefined()
  })

  it("preferences that can no longer be read are shown as the defaults, and the page says so", () => {
    expect(preferencesStateSentence({ unreadable: ["email", "preferences"] })).toBe(
      "Your notification choices could not be read and are shown as the defaults. Save them again to keep them."
    )
  })
})
