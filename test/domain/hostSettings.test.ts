import { describe, expect, it } from "vitest"
import { Either } from "effect"
import { DEFAULT_HOST_RULES } from "../../src/domain/matching/hostRules"
import { effectiveRules, NO_SETTINGS, validateSettings } from "../../src/domain/settings/hostSettings"

// Issue 15 item 3: what a host's saved settings come to — defaults, then the host's rules, then an event type's
// (keyed by its slug or at-uri) — and what validateSettings refuses beyond the lexicon's ranges.

const uri = "at://did:plc:host/app.overlap.eventType/consult"
const settings = {
  timeZone: "Europe/Berlin",
  rules: { bufferBeforeMin: 10, minimumNoticeMin: 240 },
  eventTypes: [
    { eventType: "consult", rules: { bufferAfterMin: 25, minimumNoticeMin: 1440 } },
    { eventType: uri, rules: { slotStepMin: 60 } }
  ],
  dateOverrides: [{ from: "2026-05-01", hours: [] }]
}

describe("effectiveRules", () => {
  it("a host with no settings has the defaults", () => {
    expect(effectiveRules(NO_SETTINGS)).toEqual({ rules: DEFAULT_HOST_RULES, timeZone: undefined })
  })

  it("the host's rules over the defaults; the date overrides with `until` filled in; the host's zone", () => {
    const { rules, timeZone } = effectiveRules(settings)
    expect(timeZone).toBe("Europe/Berlin")
    expect(rules).toEqual({
      ...DEFAULT_HOST_RULES,
      bufferBeforeMin: 10,
      minimumNoticeMin: 240,
      dateOverrides: [{ from: "2026-05-01", until: "2026-05-01", hours: [] }]
    })
  })

  it("an event type's rules over the host's, by the first of its keys the settings list", () => {
    expect(effectiveRules(settings, ["consult", uri]).rules).toMatchObject({ bufferBeforeMin: 10, bufferAfterMin: 25, minimumNoticeMin: 1440, slotStepMin: 15 })
    expect(effectiveRules(settings, ["other", uri]).rules).toMatchObject({ bufferAfterMin: 0, minimumNoticeMin: 240, slotStepMin: 60 })
    expect(effectiveRules(settings, "unknown").rules).toMatchObject({ bufferAfterMin: 0, minimumNoticeMin: 240, slotStepMin: 15 })
  })
})

describe("validateSettings", () => {
  it("accepts usable settings as given", () => {
    expect(validateSettings(settings)).toEqual(Either.right(settings))
  })

  it("names the first unusable field", () => {
    const bad = (patch: object) => Either.flip(validateSettings({ ...settings, ...patch })).pipe(Either.getOrUndefined)?.field
    expect(bad({ timeZone: "Nowhere/Else" })).toBe("timeZone")
    expect(bad({ rules: { bookableUntil: "2026-13-01" } })).toBe("rules.bookableUntil")
    expect(bad({ dateOverrides: [{ from: "2026-05-02", until: "2026-05-01", hours: [] }] })).toBe("dateOverrides.0.until")
    expect(bad({ dateOverrides: [{ from: "2026-05-01", until: "2027-05-02", hours: [] }] })).toBe("dateOverrides.0.until")
    expect(bad({ dateOverrides: [{ from: "2026-05-01", hours: [{ start: "24:00", end: "24:00" }] }] })).toBe("dateOverrides.0.hours.0.start")
    expect(bad({ eventTypes: [{ eventType: "", rules: {} }] })).toBe("eventTypes.0.eventType")
  })
})
