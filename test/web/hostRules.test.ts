// The rules page's model (web/app/lib/hostRules.ts): what the forms send is a settings document the AppView accepts,
// a stored document edits back into the same forms, and every 400 the AppView can answer for a field (the lexicon's
// range check through the XRPC wire format, validateSettings' own checks) lands on that field with a sentence, never
// the developer text.
import { Either, ParseResult, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { validateSettings } from "../../src/domain/settings/hostSettings"
import { withoutActualValue } from "../../src/features/xrpc/xrpcWireFormat"
import { SettingsDefsSettings } from "../../src/lexicon/schemas"
import { draftOfRules, emptyRulesDraft, overrideOfDraft, overrideSummary, problemOf, rulesOfDraft, rulesSummary, withChange } from "../../web/app/lib/hostRules"

/** The message the AppView answers when the lexicon schema refuses a document (as xrpcWireFormat builds it). */
const decodeMessage = (document: unknown): string | undefined => {
  const decoded = Schema.decodeUnknownEither(SettingsDefsSettings)(document)
  if (Either.isRight(decoded)) return undefined
  const [first] = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
  return `${first!.path.map(String).join(".")}: ${withoutActualValue(first!.message)}`
}

/** What settings.put answers for a document: undefined when saved, else its 400 message. */
const putMessage = (document: unknown): string | undefined => {
  const decodeFailure = decodeMessage(document)
  if (decodeFailure !== undefined) return decodeFailure
  const valid = validateSettings(document as never)
  return Either.isLeft(valid) ? `${valid.left.field}: ${valid.left.reason}` : undefined
}

describe("the rules page's forms and the settings document", () => {
  it("sends only the fields filled in, as numbers, booleans and dates, and the AppView accepts it", () => {
    const draft = { ...emptyRulesDraft(), maxBookingsPerDay: "3", minimumNoticeMin: " 30 ", bookableUntil: "2027-01-31", guestsMayReschedule: "yes" as const }
    const rules = rulesOfDraft(draft)
    expect(rules).toEqual({ maxBookingsPerDay: 3, minimumNoticeMin: 30, bookableUntil: "2027-01-31", guestsMayReschedule: true })
    const document = withChange({ rules: {} }, {
      rules,
      timeZone: "Europe/Berlin",
      eventTypes: [{ eventType: "intro-call", rules: rulesOfDraft({ ...emptyRulesDraft(), bufferAfterMin: "15" }) }],
      dateOverrides: [overrideOfDraft({ from: "2026-12-16", until: "", kind: "off", start: "09:00", end: "12:00" })]
    })
    expect(document).toEqual({
      rules,
      timeZone: "Europe/Berlin",
      eventTypes: [{ eventType: "intro-call", rules: { bufferAfterMin: 15 } }],
      dateOverrides: [{ from: "2026-12-16", hours: [] }]
    })
    expect(putMessage(document)).toBeUndefined()
    // and it edits back into the same form
    expect(draftOfRules(rules)).toEqual({ ...draft, minimumNoticeMin: "30" })
  })

  it("a range of days with other hours; removing the last entry drops the list", () => {
    const override = overrideOfDraft({ from: "2026-12-24", until: "2026-12-26", kind: "hours", start: "10:00", end: "12:30" })
    expect(override).toEqual({ from: "2026-12-24", until: "2026-12-26", hours: [{ start: "10:00", end: "12:30" }] })
    expect(overrideSummary(override)).toMatch(/^Thu,? 24 Dec 2026 – Sat,? 26 Dec 2026: only 10:00–12:30$/)
    expect(overrideSummary({ from: "2026-12-16", hours: [] })).toMatch(/^Wed,? 16 Dec 2026: unavailable$/)
    expect(withChange({ rules: {}, dateOverrides: [override] }, { dateOverrides: [] })).toEqual({ rules: {} })
    expect(rulesSummary({ bufferAfterMin: 15, guestsMayReschedule: false })).toBe("Buffer after 15 minutes · you confirm a guest's new time")
  })
})

describe("a 400 naming a field lands on that field as a sentence", () => {
  const cases: ReadonlyArray<readonly [string, unknown, { form: string; field: string }, RegExp]> = [
    ["a buffer out of range", { rules: { bufferBeforeMin: 2000 } }, { form: "rules", field: "bufferBeforeMin" }, /^Buffer before must be a whole number of minutes from 0 to 1440\.$/],
    ["a fractional cap", { rules: { maxBookingsPerDay: 2.5 } }, { form: "rules", field: "maxBookingsPerDay" }, /^Most bookings a day must be a whole number of bookings from 1 to 1000\.$/],
    ["a fixed range backwards", { rules: { bookableFrom: "2027-02-01", bookableUntil: "2027-01-01" } }, { form: "rules", field: "bookableUntil" }, /must not be before Bookable from/],
    ["an event type's step", { rules: {}, eventTypes: [{ eventType: "intro-call", rules: { slotStepMin: 1 } }] }, { form: "eventType", field: "slotStepMin" }, /^Start times every must be/],
    ["time off ending before it starts", { rules: {}, dateOverrides: [{ from: "2026-12-20", until: "2026-12-10", hours: [] }] }, { form: "override", field: "until" }, /last day must not be before the first/],
    ["hours ending before they start", { rules: {}, dateOverrides: [{ from: "2026-12-20", hours: [{ start: "12:00", end: "09:00" }] }] }, { form: "override", field: "end" }, /must end after they start/],
    ["an unknown zone", { rules: {}, timeZone: "Mars/Olympus" }, { form: "zone", field: "timeZone" }, /not a time zone Overlap knows/]
  ]
  for (const [what, document, where, sentence] of cases) {
    it(what, () => {
      const message = putMessage(document)
      expect(message, "the AppView refuses it").toBeDefined()
      const problem = problemOf(message!)
      expect(problem).toMatchObject(where)
      expect(problem!.sentence).toMatch(sentence)
      expect(problem!.sentence).not.toMatch(/[{}"]|Expected|YYYY/)
    })
  }

  it("a message that names no field is not pinned on one", () => {
    expect(problemOf("request body: malformed")).toBeUndefined()
    expect(problemOf("something went wrong")).toBeUndefined()
  })
})
