import { describe, expect, it } from "vitest"
import { base32hex, googleHoldEventId, isGoogleEventId } from "../../src/domain/calendar/eventIds"
import { chunk, mergeBusy, splitRange } from "../../src/domain/calendar/ranges"
import { parseRetryAfter } from "../../src/domain/calendar/retryAfter"
import { timingSafeEqual } from "../../src/domain/crypto/timingSafeEqual"
import { instantOfGraphDateTime } from "../../src/adapters/providers/microsoft/MicrosoftCalendar"

describe("calendar domain helpers", () => {
  it("splitRange cuts into consecutive windows no longer than the limit", () => {
    expect(splitRange({ start: 0, end: 25 }, 10)).toEqual([{ start: 0, end: 10 }, { start: 10, end: 20 }, { start: 20, end: 25 }])
    expect(splitRange({ start: 0, end: 10 }, 10)).toEqual([{ start: 0, end: 10 }])
    expect(splitRange({ start: 5, end: 5 }, 10)).toEqual([])
  })

  it("chunk groups in order", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]])
    expect(chunk([], 3)).toEqual([])
  })

  it("mergeBusy unions, clips to the range and drops nonsense", () => {
    expect(mergeBusy([
      { start: 5, end: 15 },
      { start: -10, end: 2 },
      { start: 14, end: 20 },
      { start: 20, end: 22 },
      { start: 30, end: 30 },
      { start: 40, end: 35 },
      { start: NaN, end: 50 },
      { start: 90, end: 200 }
    ], { start: 0, end: 100 })).toEqual([{ start: 0, end: 2 }, { start: 5, end: 22 }, { start: 90, end: 100 }])
  })

  it("Retry-After: delay-seconds or HTTP-date, never negative", () => {
    const now = Date.parse("2026-03-02T10:00:00Z")
    expect(parseRetryAfter("120", now)).toBe(120_000)
    expect(parseRetryAfter("Mon, 02 Mar 2026 10:00:05 GMT", now)).toBe(5000)
    expect(parseRetryAfter("Mon, 02 Mar 2026 09:00:00 GMT", now)).toBe(0)
    expect(parseRetryAfter("soon", now)).toBeUndefined()
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
  })

  it("base32hex follows RFC 4648 §10 (lowercase, unpadded); hold ids are valid Google event ids", () => {
    const enc = (s: string) => base32hex(new TextEncoder().encode(s))
    expect(["", "f", "fo", "foo", "foob", "fooba", "foobar"].map(enc)).toEqual(["", "co", "cpng", "cpnmu", "cpnmuog", "cpnmuoj1", "cpnmuoj1e8"])
    const id = googleHoldEventId("3kf9-booking/ID")
    expect(isGoogleEventId(id)).toBe(true)
    expect(googleHoldEventId("3kf9-booking/ID")).toBe(id)
    expect(googleHoldEventId("other")).not.toBe(id)
  })

  it("timingSafeEqual is equality", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true)
    expect(timingSafeEqual("abc", "abd")).toBe(false)
    expect(timingSafeEqual("abc", "abcd")).toBe(false)
    expect(timingSafeEqual("", "")).toBe(true)
    expect(timingSafeEqual("", "a")).toBe(false)
  })

  it("Graph dateTimeTimeZone → instant (UTC, IANA zones; 7-digit fractions)", () => {
    expect(instantOfGraphDateTime({ dateTime: "2026-03-02T09:00:00.0000000", timeZone: "UTC" })).toBe(Date.parse("2026-03-02T09:00:00Z"))
    expect(instantOfGraphDateTime({ dateTime: "2026-03-02T09:00:00.5000000", timeZone: "UTC" })).toBe(Date.parse("2026-03-02T09:00:00.500Z"))
    expect(instantOfGraphDateTime({ dateTime: "2026-07-02T09:00:00", timeZone: "Europe/Berlin" })).toBe(Date.parse("2026-07-02T07:00:00Z"))
    expect(instantOfGraphDateTime({ dateTime: "2026-07-02T09:00:00", timeZone: "Pacific Standard Time" })).toBeUndefined()
    expect(instantOfGraphDateTime({ dateTime: "yesterday", timeZone: "UTC" })).toBeUndefined()
  })
})
