// The availability editor's model (web/app/lib/weeklyHours.ts): the record a draft becomes passes the indexer's own
// checks, ranges shared by several days become one rule, problems name the field the page focuses, the preview is the
// slot engine's expansion in the offer's zone (a daylight-saving day included), and a stored offer edits back into
// the same draft.
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { validateRecord } from "../../src/domain/recordValidation"
import { defaultDraft, draftOf, draftProblem, offerRecord, previewWindows, rulesOf, type WeeklyDraft } from "../../web/app/lib/weeklyHours"

const berlin = (overrides: Partial<WeeklyDraft> = {}): WeeklyDraft => ({ ...defaultDraft("Europe/Berlin"), validFrom: "2026-03-23", ...overrides })
const withMonday = (draft: WeeklyDraft, monday: WeeklyDraft["days"]["monday"]): WeeklyDraft => ({ ...draft, days: { ...draft.days, monday } })

describe("weekly hours: from the editor's draft to an app.overlap.slotOffer", () => {
  it("groups the days that share a time range into one rule, one rule per distinct range", () => {
    const draft = withMonday(berlin(), [{ start: "09:00", end: "12:00" }, { start: "14:00", end: "17:00" }])
    expect(rulesOf(draft)).toEqual([
      { days: ["monday"], start: "09:00", end: "12:00" },
      { days: ["monday"], start: "14:00", end: "17:00" },
      { days: ["tuesday", "wednesday", "thursday", "friday"], start: "09:00", end: "17:00" }
    ])
    // an end of 00:00 is the day's end (the lexicon's 24:00)
    expect(rulesOf(withMonday(berlin(), [{ start: "18:00", end: "00:00" }]))[0]).toEqual({ days: ["monday"], start: "18:00", end: "24:00" })
  })

  it("makes a record the indexer accepts: rules, zone, validity as the zone's midnights, start-end the first window", () => {
    const draft = withMonday(berlin({ validUntil: "2026-06-01", policy: "follower", note: " Mornings " }), [{ start: "09:00", end: "12:00" }])
    const record = offerRecord(draft)
    expect(record).toMatchObject({
      tz: "Europe/Berlin",
      policy: "follower",
      note: "Mornings",
      validFrom: "2026-03-22T23:00:00.000Z", // midnight in Berlin (CET, UTC+1)
      validUntil: "2026-05-31T22:00:00.000Z", // midnight in Berlin (CEST, UTC+2)
      start: "2026-03-23T08:00:00.000Z", // Monday 09:00 CET
      end: "2026-03-23T11:00:00.000Z"
    })
    const checked = validateRecord("app.overlap.slotOffer", { $type: "app.overlap.slotOffer", createdAt: "2026-03-20T00:00:00.000Z", ...record })
    expect(Either.isRight(checked)).toBe(true)
  })

  it("names the field of the first problem, for the page to focus", () => {
    expect(draftProblem(berlin())).toBeUndefined()
    expect(draftProblem(berlin({ tz: "Mars/Olympus" }))?.field).toBe("tz")
    expect(draftProblem(withMonday(berlin(), [{ start: "10:00", end: "10:00" }]))?.field).toBe("monday-0-end")
    expect(draftProblem(withMonday(berlin(), [{ start: "", end: "10:00" }]))?.field).toBe("monday-0-start")
    expect(draftProblem(berlin({ validUntil: "2026-03-23" }))?.field).toBe("validUntil")
    expect(draftProblem(berlin({ validFrom: "" }))?.field).toBe("validFrom")
    const none = { ...berlin(), days: Object.fromEntries(Object.keys(berlin().days).map((d) => [d, []])) as unknown as WeeklyDraft["days"] }
    expect(draftProblem(none)?.field).toBe("monday-add")
  })

  it("previews the windows on the zone's clock across the spring daylight-saving change", () => {
    // Berlin moves to CEST on Sunday 29 March 2026: Friday 27th 09:00 is 08:00Z, Monday 30th 09:00 is 07:00Z
    const draft = berlin({ validFrom: "2026-03-27" })
    const from = Date.parse("2026-03-27T00:00:00Z")
    const windows = previewWindows(draft, from, from + 4 * 86_400_000).map((w) => [new Date(w.start).toISOString(), new Date(w.end).toISOString()])
    expect(windows).toEqual([
      ["2026-03-27T08:00:00.000Z", "2026-03-27T16:00:00.000Z"],
      ["2026-03-30T07:00:00.000Z", "2026-03-30T15:00:00.000Z"]
    ])
  })

  it("turns a stored weekly offer back into the draft it came from (to edit it)", () => {
    const draft = withMonday(berlin({ validUntil: "2026-06-01", policy: "mutual", note: "Hi" }), [{ start: "09:00", end: "12:00" }, { start: "20:00", end: "00:00" }])
    expect(draftOf(offerRecord(draft))).toEqual(draft)
    expect(draftOf({ start: "2026-03-23T08:00:00Z", end: "2026-03-23T09:00:00Z", tz: "Europe/Berlin" })).toBeUndefined()
  })
})
