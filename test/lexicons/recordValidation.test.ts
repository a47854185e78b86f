import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { lexicons } from "../../src/lexicon/lexicons.js"
import { checkConstraints, isKnownTimeZone, RecordInvalid, validateRecord } from "../../src/domain/recordValidation.js"
import { invalidSamples, validBooking, validBookingRequest, validSlotOffer } from "./samples.js"

describe("validateRecord accepts valid records", () => {
  it.effect("slotOffer, bookingRequest and booking come back typed, with lexicon defaults applied", () =>
    Effect.gen(function* () {
      const offer = yield* validateRecord("app.overlap.slotOffer", validSlotOffer)
      expect(offer.collection).toBe("app.overlap.slotOffer")
      expect(offer.value).toMatchObject({ start: validSlotOffer.start, policy: "mutual" })

      const request = yield* validateRecord("app.overlap.bookingRequest", validBookingRequest)
      if (request.collection !== "app.overlap.bookingRequest") throw new Error("wrong collection")
      expect(request.value.constraints.days).toEqual(["monday", "wednesday"])

      const booking = yield* validateRecord("app.overlap.booking", validBooking)
      if (booking.collection !== "app.overlap.booking") throw new Error("wrong collection")
      expect(booking.value.timeMasked).toBe(true)
    })
  )

  it("a record without $type (as some tools write it) still validates", () => {
    const { $type: _, ...bare } = validSlotOffer
    expect(Either.isRight(validateRecord("app.overlap.slotOffer", bare))).toBe(true)
  })

  it("time zone aliases and UTC are known", () => {
    for (const tz of ["UTC", "Etc/UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "US/Eastern", "Asia/Kolkata", "Etc/GMT+5"]) {
      expect(isKnownTimeZone(tz), tz).toBe(true)
    }
    for (const tz of ["Mars/Olympus", "+05:00", "", "Europe/", "../etc/passwd", "UTC ".repeat(20)]) {
      expect(isKnownTimeZone(tz), tz).toBe(false)
    }
  })
})

describe("validateRecord refuses named invalid samples, naming the field", () => {
  for (const sample of invalidSamples) {
    it.effect(`${sample.name} → ${sample.field}`, () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(validateRecord(sample.collection, sample.value))
        expect(error).toBeInstanceOf(RecordInvalid)
        expect(error._tag).toBe("RecordInvalid")
        expect(error.field).toBe(sample.field)
        expect(error.message.length).toBeGreaterThan(0)
      })
    )
  }

  it("semantic-only samples pass the lexicon validator, so the domain check is what refuses them", () => {
    const semantic = invalidSamples.filter((s) => !s.lexiconCatches)
    expect(semantic.map((s) => s.name)).toEqual(
      expect.arrayContaining(["end before start", 'unknown tz "Mars/Olympus"', "durationMin > durationMax"])
    )
    for (const sample of semantic) {
      expect(lexicons.validate(sample.collection, sample.value).success, sample.name).toBe(true)
    }
  })

  it("messages say what is wrong", () => {
    const end = validateRecord("app.overlap.slotOffer", { ...validSlotOffer, end: "2026-03-01T00:00:00Z" })
    expect(Either.isLeft(end) && end.left.message).toBe("must be after start")
    const tz = validateRecord("app.overlap.slotOffer", { ...validSlotOffer, tz: "Mars/Olympus" })
    expect(Either.isLeft(tz) && tz.left.message).toContain("Mars/Olympus")
    const missing = validateRecord("app.overlap.slotOffer", { ...validSlotOffer, createdAt: undefined })
    expect(Either.isLeft(missing) && missing.left).toMatchObject({ field: "createdAt", message: "is required" })
  })

  it("a zone-less datetime passes @atproto/lexicon's lenient check but not validateRecord", () => {
    const value = { ...validSlotOffer, start: "2026-03-02T09:00:00" }
    expect(lexicons.validate("app.overlap.slotOffer", value).success).toBe(true)
    const result = validateRecord("app.overlap.slotOffer", value)
    expect(Either.isLeft(result) && result.left.field).toBe("start")
  })

  it("unknown collections, non-objects and a mismatched $type are refused", () => {
    const unknown = validateRecord("app.overlap.somethingElse", validSlotOffer)
    expect(Either.isLeft(unknown) && unknown.left.field).toBe("$type")
    const proto = validateRecord("__proto__", validSlotOffer)
    expect(Either.isLeft(proto)).toBe(true)
    for (const value of [null, "text", 42, [validSlotOffer]]) {
      expect(Either.isLeft(validateRecord("app.overlap.slotOffer", value)), JSON.stringify(value)).toBe(true)
    }
    const mismatched = validateRecord("app.overlap.slotOffer", { ...validSlotOffer, $type: "app.overlap.booking" })
    expect(Either.isLeft(mismatched) && mismatched.left.field).toBe("$type")
  })
})

describe("checkConstraints (shared with match / getAvailability inputs)", () => {
  const constraints = { durationMin: 30, durationMax: 30, tz: "UTC" }
  it("accepts equal durations and open windows", () => {
    expect(Either.isRight(checkConstraints(constraints))).toBe(true)
  })
  it("refuses a window shorter than durationMin, naming latest under the given prefix", () => {
    const result = checkConstraints({ ...constraints, earliest: "2026-03-02T09:00:00Z", latest: "2026-03-02T09:20:00Z" }, "")
    expect(Either.isLeft(result) && result.left.field).toBe("latest")
  })
})
