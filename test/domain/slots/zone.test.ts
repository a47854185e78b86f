import { describe, expect, it } from "@effect/vitest"
import { clearZoneCache, zoneFor } from "../../../src/domain/slots"
import { at } from "./support"

// Expected offsets are the published UTC offsets on those dates (tzdb), written out by hand.
const H = 3_600_000
const M = 60_000
/** A wall-clock time written as if it were UTC, the way zone.ts represents local times. */
const wall = (local: string) => at(`${local}Z`)

describe("zoneFor", () => {
  it("knows IANA names, canonicalises case, refuses unknown ones", () => {
    expect(zoneFor("Europe/Berlin")?.id).toBe("Europe/Berlin")
    expect(zoneFor("europe/berlin")?.id).toBe("Europe/Berlin")
    expect(zoneFor("Mars/Olympus_Mons")).toBeUndefined()
    expect(zoneFor("")).toBeUndefined()
  })

  it.each([
    ["Europe/Berlin", "2024-03-31T00:59:59Z", 1 * H],
    ["Europe/Berlin", "2024-03-31T01:00:00Z", 2 * H],
    ["Europe/Berlin", "2024-10-27T00:59:59Z", 2 * H],
    ["Europe/Berlin", "2024-10-27T01:00:00Z", 1 * H],
    ["America/New_York", "2024-03-10T06:59:59Z", -5 * H],
    ["America/New_York", "2024-03-10T07:00:00Z", -4 * H],
    ["America/New_York", "2024-11-03T05:59:59Z", -4 * H],
    ["America/New_York", "2024-11-03T06:00:00Z", -5 * H],
    ["Australia/Lord_Howe", "2024-04-06T14:59:59Z", 11 * H],
    ["Australia/Lord_Howe", "2024-04-06T15:00:00Z", 10 * H + 30 * M],
    ["Australia/Lord_Howe", "2024-10-05T15:29:59Z", 10 * H + 30 * M],
    ["Australia/Lord_Howe", "2024-10-05T15:30:00Z", 11 * H],
    ["Asia/Kolkata", "2024-03-31T01:00:00Z", 5 * H + 30 * M],
    ["Asia/Kathmandu", "2024-10-27T01:00:00Z", 5 * H + 45 * M],
    ["UTC", "2024-06-01T12:00:00Z", 0]
  ])("%s at %s has offset %d ms", (name, instant, offset) => {
    const zone = zoneFor(name)!
    expect(zone.offsetAt(at(instant))).toBe(offset)
    expect(zone.offsetAt(at(instant) + 999)).toBe(offset) // sub-second instants keep their second's offset
  })

  it("finds the exact transition instant", () => {
    const berlin = zoneFor("Europe/Berlin")!
    expect(berlin.nextTransition(at("2024-03-30T00:00Z"), at("2024-04-02T00:00Z"))).toBe(at("2024-03-31T01:00Z"))
    expect(berlin.nextTransition(at("2024-03-31T01:00Z"), at("2024-04-02T00:00Z"))).toBe(Infinity)
    const lordHowe = zoneFor("Australia/Lord_Howe")!
    expect(lordHowe.nextTransition(at("2024-10-05T00:00Z"), at("2024-10-06T00:00Z"))).toBe(at("2024-10-05T15:30Z"))
  })

  describe("wall clock → instant (Temporal 'compatible')", () => {
    it.each([
      // ordinary
      ["Europe/Berlin", "2024-03-30T09:00", "2024-03-30T08:00Z"],
      ["Asia/Kathmandu", "2024-06-01T09:00", "2024-06-01T03:15Z"],
      ["Asia/Kolkata", "2024-06-01T09:00", "2024-06-01T03:30Z"],
      // spring-forward gap: moved forward by the gap
      ["Europe/Berlin", "2024-03-31T02:30", "2024-03-31T01:30Z"], // = 03:30 CEST
      ["America/New_York", "2024-03-10T02:30", "2024-03-10T07:30Z"], // = 03:30 EDT
      ["Australia/Lord_Howe", "2024-10-06T02:15", "2024-10-05T15:45Z"], // = 02:45 +11
      // fall-back overlap: the earlier instant
      ["Europe/Berlin", "2024-10-27T02:30", "2024-10-27T00:30Z"], // CEST, not 01:30Z (CET)
      ["America/New_York", "2024-11-03T01:30", "2024-11-03T05:30Z"], // EDT, not 06:30Z (EST)
      ["Australia/Lord_Howe", "2024-04-07T01:45", "2024-04-06T14:45Z"] // +11, not 15:15Z (+10:30)
    ])("%s %s → %s", (name, local, expected) => {
      expect(zoneFor(name)!.instantOf(wall(local))).toBe(at(expected))
    })
  })

  it("gives the same answers from a cold cache", () => {
    clearZoneCache()
    const ny = zoneFor("America/New_York")!
    expect(ny.instantOf(wall("2024-11-03T01:30"))).toBe(at("2024-11-03T05:30Z"))
    expect(ny.offsetAt(at("2024-11-03T06:00Z"))).toBe(-5 * H)
  })
})
