import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import type { Layer } from "effect"
import { AuditEventsRepo } from "../../src/services/AuditEventsRepo"
import type { BookingRequestRecord } from "../../src/services/BookingRequestsRepo"
import { BookingRequestsRepo } from "../../src/services/BookingRequestsRepo"
import type { Booking, BookingRole, NewBooking } from "../../src/domain/booking/booking"
import { BookingsRepo } from "../../src/services/BookingsRepo"
import { FirehoseCursorsRepo } from "../../src/services/FirehoseCursorsRepo"
import { IdempotencyKeysRepo } from "../../src/services/IdempotencyKeysRepo"
import { JtiLedger } from "../../src/services/JtiLedger"
import type { OfferRecord } from "../../src/services/OffersRepo"
import { OffersRepo } from "../../src/services/OffersRepo"
import { EventTypesRepo } from "../../src/services/EventTypesRepo"
import type { Page } from "../../src/services/Page"
import type { Repositories } from "../../src/services/Repositories"
import { UsersRepo } from "../../src/services/UsersRepo"

/**
 * One behavioural suite for the repositories, run against the D1 layers inside workerd and against
 * the in-memory layers in Node, so the fakes cannot drift from the real thing.
 *
 * `layer` is provided to every test separately: each build of the Test layers starts empty, and
 * in workerd isolated storage gives each test a fresh database with the migrations applied.
 */
export const repositorySuite = (name: string, layer: Layer.Layer<Repositories>) => {
  const test = <A, E>(title: string, body: () => Effect.Effect<A, E, Repositories>) =>
    it.effect(title, () => Effect.provide(Effect.suspend(body), layer))

  const T0 = Date.UTC(2026, 2, 1, 9, 0, 0)
  const HOUR = 3_600_000
  const HOST = "did:plc:host0000000000000000000"
  const GUEST = "did:plc:guest000000000000000000"
  const OTHER = "did:plc:other000000000000000000"

  const offer = (rkey: string, rev: string, overrides: Partial<OfferRecord> = {}): OfferRecord => ({
    uri: `at://${overrides.did ?? HOST}/app.overlap.slotOffer/${rkey}`,
    did: HOST,
    rkey,
    cid: `bafy-${rkey}-${rev}`,
    rev,
    startAt: T0,
    endAt: T0 + 8 * HOUR,
    policy: "mutual",
    tz: "Europe/Berlin",
    note: null,
    createdAt: T0 - HOUR,
    ...overrides
  })

  const request = (rkey: string, rev: string, overrides: Partial<BookingRequestRecord> = {}): BookingRequestRecord => ({
    uri: `at://${overrides.guestDid ?? GUEST}/app.overlap.bookingRequest/${rkey}`,
    guestDid: GUEST,
    hostDid: HOST,
    rkey,
    cid: `bafy-${rkey}-${rev}`,
    rev,
    offerUri: `at://${HOST}/app.overlap.slotOffer/o1`,
    constraints: { durationMin: 30, durationMax: 60, days: ["monday", "tuesday"], tz: "America/New_York" },
    status: "pending",
    note: "coffee?",
    createdAt: T0,
    ...overrides
  })

  const booking = (id: string, overrides: Partial<NewBooking> = {}): NewBooking => ({
    id,
    hostDid: HOST,
    guestDid: GUEST,
    requestUri: null,
    offerUri: null,
    status: "pending",
    startAt: T0 + 24 * HOUR,
    endAt: T0 + 25 * HOUR,
    tz: "Europe/Berlin",
    sequence: 0,
    icsR2Key: null,
    holdExpiresAt: null,
    ...overrides
  })

  /** Walks every page of a listing, checking each page respects the limit. */
  const collectPages = <A, E, R>(
    limit: number,
    fetch: (cursor: string | undefined) => Effect.Effect<Page<A>, E, R>
  ) =>
    Effect.gen(function*() {
      const items: Array<A> = []
      let cursor: string | undefined = undefined
      for (let pages = 0; pages < 100; pages++) {
        const page: Page<A> = yield* fetch(cursor)
        expect(page.items.length).toBeLessThanOrEqual(limit)
        items.push(...page.items)
        if (Option.isNone(page.cursor)) return items
        expect(page.items.length).toBe(limit)
        cursor = page.cursor.value
      }
      throw new Error("pagination did not terminate")
    })

  const newestFirst = (a: Booking, b: Booking) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

  describe(`repositories: ${name}`, () => {
    describe("UsersRepo", () => {
      test("upsert creates an active user; a second upsert refreshes the profile and keeps the status", () =>
        Effect.gen(function*() {
          const users = yield* UsersRepo
          yield* TestClock.setTime(T0)
          const created = yield* users.upsert({ did: HOST, handle: "host.test", pdsEndpoint: "https://pds.test" })
          expect(created).toMatchObject({ did: HOST, handle: "host.test", status: "active", createdAt: T0, updatedAt: T0 })
          expect(Option.getOrThrow(yield* users.get(HOST))).toEqual(created)

          yield* users.setStatus(HOST, "takendown")
          yield* TestClock.setTime(T0 + 1000)
          const refreshed = yield* users.upsert({ did: HOST, handle: "new.test", pdsEndpoint: null })
          expect(refreshed).toMatchObject({
            handle: "new.test",
            pdsEndpoint: null,
            status: "takendown",
            createdAt: T0,
            updatedAt: T0 + 1000
          })
          expect(yield* users.get(GUEST)).toEqual(Option.none())
        }))

      test("setStatus on an unknown DID fails with UserNotFound; a malformed DID is refused", () =>
        Effect.gen(function*() {
          const users = yield* UsersRepo
          const missing = yield* Effect.flip(users.setStatus(OTHER, "deleted"))
          expect(missing).toMatchObject({ _tag: "UserNotFound", did: OTHER })
          const bad = yield* Effect.flip(users.upsert({ did: "not-a-did", handle: null, pdsEndpoint: null }))
          expect(bad._tag).toBe("RepositoryError")
          expect(yield* users.get("not-a-did")).toEqual(Option.none())
        }))
    })

    describe("OffersRepo", () => {
      test("upsert / get round trip", () =>
        Effect.gen(function*() {
          const offers = yield* OffersRepo
          yield* TestClock.setTime(T0 - 5000)
          const record = offer("o1", "3l0000000001", { note: "mornings only", policy: "follower" })
          expect(yield* offers.upsert(record)).toBe(true)
          const stored = Option.getOrThrow(yield* offers.get(record.uri))
          expect({ ...stored }).toEqual({ ...record, weekly: null, validFrom: null, validUntil: null, indexedAt: T0 - 5000, hidden: false })
        }))

      test("a weekly offer round-trips its hours and validity, and is listed while its hours last", () =>
        Effect.gen(function*() {
          const offers = yield* OffersRepo
          const weekly = [
            { days: ["monday", "wednesday"] as const, start: "09:00", end: "12:00" },
            { days: ["monday"] as const, start: "13:00", end: "17:30" }
          ]
          // its first window is a day long ago; the hours last until T0 + 30 days
          const record = offer("w1", "3l0000000001", { startAt: T0 - 10 * 24 * HOUR, endAt: T0 - 10 * 24 * HOUR + 3 * HOUR, weekly, validFrom: T0 - 10 * 24 * HOUR, validUntil: T0 + 30 * 24 * HOUR })
          const open = offer("w2", "3l0000000001", { startAt: T0 - 10 * 24 * HOUR, endAt: T0 - 9 * 24 * HOUR, weekly, validFrom: null, validUntil: null })
          const single = offer("s1", "3l0000000001", { startAt: T0 - 10 * 24 * HOUR, endAt: T0 - 9 * 24 * HOUR })
          for (const r of [record, open, single]) expect(yield* offers.upsert(r)).toBe(true)
          const stored = Option.getOrThrow(yield* offers.get(record.uri))
          expect(stored.weekly).toEqual(weekly)
          expect([stored.validFrom, stored.validUntil]).toEqual([record.validFrom, record.validUntil])
          const listed = (from: number, to?: number) =>
            Effect.map(offers.listByHost({ did: HOST, from, to, limit: 10 }), (page) => page.items.map((o) => o.rkey).sort())
          // the single window has ended; both weekly offers still run
          expect(yield* listed(T0)).toEqual(["w1", "w2"])
          // past validUntil only the open-ended one
          expect(yield* listed(T0 + 31 * 24 * HOUR)).toEqual(["w2"])
          // before every offer's start, nothing
          expect(yield* listed(T0 - 20 * 24 * HOUR, T0 - 11 * 24 * HOUR)).toEqual([])
        }))

      test("an older rev never overwrites a newer one; a newer rev does; the same rev is a no-op", () =>
        Effect.gen(function*() {
          const offers = yield* OffersRepo
          const v2 = offer("o1", "3l0000000002", { note: "v2" })
          expect(yield* offers.upsert(v2)).toBe(true)
          expect(yield* offers.upsert(offer("o1", "3l0000000001", { note: "v1" }))).toBe(false)
          expect(yield* offers.upsert(offer("o1", "3l0000000002", { note: "v2 again" }))).toBe(false)
          expect(Option.getOrThrow(yield* offers.get(v2.uri)).note).toBe("v2")
          expect(yield* offers.upsert(offer("o1", "3l0000000003", { note: "v3", policy: "anyone" }))).toBe(true)
          expect(Option.getOrThrow(yield* offers.get(v2.uri))).toMatchObject({ note: "v3", policy: "anyone", rev: "3l0000000003" })
        }))

      test("deletes are rev-guarded and tombstoned: reordered and redelivered events cannot resurrect", () =>
        Effect.gen(function*() {
          const offers = yield* OffersRepo
          const uri = offer("o1", "x").uri
          yield* offers.upsert(offer("o1", "3l0000000005"))
          // a delete older than the stored version changes nothing
          expect(yield* offers.delete(uri, "3l0000000004")).toBe(false)
          expect(Option.isSome(yield* offers.get(uri))).toBe(true)
          // a newer delete removes it
          expect(yield* offers.delete(uri, "3l0000000006")).toBe(true)
          expect(yield* offers.get(uri)).toEqual(Option.none())
          // redelivered create/update from before the delete: ignored
          expect(yield* offers.upsert(offer("o1", "3l0000000005"))).toBe(false)
          expect(yield* offers.upsert(offer("o1", "3l0000000006"))).toBe(false)
          expect(yield* offers.get(uri)).toEqual(Option.none())
          // re-created after the delete: applied
          expect(yield* offers.upsert(offer("o1", "3l0000000007"))).toBe(true)
          expect(Option.getOrThrow(yield* offers.get(uri)).rev).toBe("3l0000000007")

          // the delete arrives before the create it follows
          const other = offer("o2", "x").uri
          expect(yield* offers.delete(other, "3l0000000009")).toBe(false)
          expect(yield* offers.upsert(offer("o2", "3l0000000008"))).toBe(false)
          expect(yield* offers.get(other)).toEqual(Option.none())
        }))

      test("listByHost: time-range overlap, earliest first, keyset pages, hidden and other hosts left out", () =>
        Effect.gen(function*() {
          const offers = yield* OffersRepo
          // nine one-hour windows, two of them sharing a start time (tie broken by uri)
          const starts = [0, 1, 2, 3, 3, 4, 5, 6, 7]
          yield* Effect.forEach(starts, (h, i) =>
            offers.upsert(offer(`o${i}`, "3l0000000001", { startAt: T0 + h * HOUR, endAt: T0 + (h + 1) * HOUR })))
          yield* offers.upsert(offer("x1", "3l0000000001", { did: OTHER, startAt: T0, endAt: T0 + HOUR }))

          const all = yield* collectPages(2, (cursor) => offers.listByHost({ did: HOST, limit: 2, cursor }))
          expect(all.map((o) => o.rkey)).toEqual(["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8"])

          // overlap with [T0+2h30, T0+5h): windows starting at 2, 3, 3, 4
          const ranged = yield* collectPages(3, (cursor) =>
            offers.listByHost({ did: HOST, from: T0 + 2.5 * HOUR, to: T0 + 5 * HOUR, limit: 3, cursor }))
          expect(ranged.map((o) => o.rkey)).toEqual(["o2", "o3", "o4", "o5"])

          const single = yield* offers.listByHost({ did: HOST, limit: 100 })
          expect(single.items).toHaveLength(9)
          expect(single.cursor).toEqual(Option.none())

          const bad = yield* Effect.flip(offers.listByHost({ did: HOST, limit: 2, cursor: "not a cursor" }))
          expect(bad._tag).toBe("InvalidCursor")
        }))

      test("hide / unhide / purge all offers of a DID", () =>
        Effect.gen(function*() {
          const offers = yield* OffersRepo
          yield* offers.upsert(offer("o1", "3l0000000001"))
          yield* offers.upsert(offer("o2", "3l0000000001", { startAt: T0 + HOUR }))
          yield* offers.upsert(offer("x1", "3l0000000001", { did: OTHER }))
          const uri = offer("o1", "x").uri

          expect(yield* offers.hideForDid(HOST)).toBe(2)
          expect(yield* offers.hideForDid(HOST)).toBe(0)
          expect(yield* offers.get(uri)).toEqual(Option.none())
          expect(Option.getOrThrow(yield* offers.get(uri, { includeHidden: true })).hidden).toBe(true)
          expect((yield* offers.listByHost({ did: HOST, limit: 10 })).items).toHaveLength(0)
          expect((yield* offers.listByHost({ did: HOST, limit: 10, includeHidden: true })).items).toHaveLength(2)
          // an update while hidden stays hidden
          expect(yield* offers.upsert(offer("o1", "3l0000000002", { note: "edited" }))).toBe(true)
          expect(yield* offers.get(uri)).toEqual(Option.none())

          expect(yield* offers.unhideForDid(HOST)).toBe(2)
          expect(Option.getOrThrow(yield* offers.get(uri)).note).toBe("edited")

          expect(yield* offers.purgeForDid(HOST)).toBe(2)
          expect((yield* offers.listByHost({ did: HOST, limit: 10, includeHidden: true })).items).toHaveLength(0)
          expect((yield* offers.listByHost({ did: OTHER, limit: 10 })).items).toHaveLength(1)
        }))

      test("an offer that ends before it starts is refused and nothing is stored", () =>
        Effect.gen(function*() {
          const offers = yield* OffersRepo
          const bad = offer("o1", "3l0000000001", { startAt: T0, endAt: T0 })
          const error = yield* Effect.flip(offers.upsert(bad))
          expect(error._tag).toBe("RepositoryError")
          expect(yield* offers.get(bad.uri, { includeHidden: true })).toEqual(Option.none())
        }))
    })

    describe("EventTypesRepo", () => {
      const eventType = (slug: string, rev: string, did = HOST) => ({
        uri: `at://${did}/app.overlap.eventType/${slug}`, did, rkey: slug, cid: `bafy-${slug}-${rev}`, rev, slug,
        name: `Type ${slug}`, description: null, durations: [15, 30],
        location: { $type: "app.overlap.defs#locationInPerson" as const, address: "Main St 1" },
        policy: "anyone" as const, offers: null, createdAt: T0
      })

      test("round trip by URI and slug, by host in slug order, rev-guarded, tombstoned, hidden with the account", () =>
        Effect.gen(function*() {
          const repo = yield* EventTypesRepo
          expect(yield* repo.upsert(eventType("b-call", "3l0000000002"))).toBe(true)
          expect(yield* repo.upsert(eventType("a-call", "3l0000000002"))).toBe(true)
          expect(yield* repo.upsert(eventType("a-call", "3l0000000002", OTHER))).toBe(true)
          expect(yield* repo.upsert({ ...eventType("b-call", "3l0000000001"), name: "older" })).toBe(false)
          const b = Option.getOrThrow(yield* repo.getBySlug(HOST, "b-call"))
          expect([b.name, b.durations, b.location, b.offers]).toEqual(["Type b-call", [15, 30], { $type: "app.overlap.defs#locationInPerson", address: "Main St 1" }, null])
          expect(Option.isSome(yield* repo.get(b.uri))).toBe(true)
          expect((yield* repo.listByHost(HOST)).map((e) => e.slug)).toEqual(["a-call", "b-call"])
          expect(yield* repo.delete(b.uri, "3l0000000003")).toBe(true)
          expect(yield* repo.upsert(eventType("b-call", "3l0000000002"))).toBe(false)
          expect(yield* repo.hideForDid(HOST)).toBe(1)
          expect(yield* repo.listByHost(HOST)).toEqual([])
          expect(yield* repo.unhideForDid(HOST)).toBe(1)
          expect(yield* repo.purgeForDid(HOST)).toBe(1)
          expect((yield* repo.listByHost(OTHER)).map((e) => e.slug)).toEqual(["a-call"])
        }))
    })

    describe("BookingRequestsRepo", () => {
      test("upsert / get round trip, constraints included", () =>
        Effect.gen(function*() {
          const requests = yield* BookingRequestsRepo
          yield* TestClock.setTime(T0 + 42)
          const record = request("r1", "3l0000000001")
          expect(yield* requests.upsert(record)).toBe(true)
          const stored = Option.getOrThrow(yield* requests.get(record.uri))
          expect({ ...stored }).toEqual({ ...record, eventType: null, indexedAt: T0 + 42, hidden: false, statusReason: null })
        }))

      test("the event type a record names (issue 15) is kept, and follows a newer revision", () =>
        Effect.gen(function*() {
          const requests = yield* BookingRequestsRepo
          const record = request("r9", "3l0000000001", { eventType: "intro" })
          expect(yield* requests.upsert(record)).toBe(true)
          expect(Option.getOrThrow(yield* requests.get(record.uri)).eventType).toBe("intro")
          const uri = `at://${HOST}/app.overlap.eventType/long-talk`
          expect(yield* requests.upsert(request("r9", "3l0000000002", { eventType: uri }))).toBe(true)
          expect(Option.getOrThrow(yield* requests.get(record.uri)).eventType).toBe(uri)
        }))

      test("rev guard and tombstones; the status set by Overlap survives record updates", () =>
        Effect.gen(function*() {
          const requests = yield* BookingRequestsRepo
          const uri = request("r1", "x").uri
          yield* requests.upsert(request("r1", "3l0000000002"))
          expect((yield* requests.setStatus(uri, "held")).status).toBe("held")
          // a refusal says why (issue 12, item 1); the next status clears the reason
          expect(yield* requests.setStatus(uri, "declined", "TooManyHolds")).toMatchObject({ status: "declined", statusReason: "TooManyHolds" })
          expect(Option.getOrThrow(yield* requests.get(uri))).toMatchObject({ statusReason: "TooManyHolds" })
          expect(yield* requests.setStatus(uri, "held")).toMatchObject({ status: "held", statusReason: null })
          expect(yield* requests.upsert(request("r1", "3l0000000001", { note: "old" }))).toBe(false)
          expect(yield* requests.upsert(request("r1", "3l0000000003", { note: "new", status: "pending" }))).toBe(true)
          expect(Option.getOrThrow(yield* requests.get(uri))).toMatchObject({ note: "new", status: "held" })

          expect(yield* requests.delete(uri, "3l0000000002")).toBe(false)
          expect(yield* requests.delete(uri, "3l0000000004")).toBe(true)
          expect(yield* requests.upsert(request("r1", "3l0000000003"))).toBe(false)
          expect(yield* requests.get(uri)).toEqual(Option.none())

          const missing = yield* Effect.flip(requests.setStatus(uri, "declined"))
          expect(missing).toMatchObject({ _tag: "BookingRequestNotFound", uri })
        }))

      test("getMany: the visible requests among the uris, in one read; unknown and hidden ones left out", () =>
        Effect.gen(function*() {
          const requests = yield* BookingRequestsRepo
          expect(yield* requests.getMany([])).toEqual([])
          yield* requests.upsert(request("m1", "3l0000000001", { note: "first" }))
          yield* requests.upsert(request("m2", "3l0000000001", { note: "second" }))
          yield* requests.upsert(request("m3", "3l0000000001", { guestDid: OTHER, note: "hidden" }))
          yield* requests.hideForDid(OTHER)
          const uris = ["m1", "m2", "m3", "absent"].map((rkey) => request(rkey, "x", rkey === "m3" ? { guestDid: OTHER } : {}).uri)
          const found = yield* requests.getMany(uris)
          expect(found.map((r) => r.note).sort()).toEqual(["first", "second"])
          expect(found.every((r) => !r.hidden)).toBe(true)
        }))

      test("listByHost / listByGuest: newest first, keyset pages, status filter, hide and purge", () =>
        Effect.gen(function*() {
          const requests = yield* BookingRequestsRepo
          // eight from GUEST, four from OTHER, all to HOST; created_at with ties
          yield* Effect.forEach(Array.from({ length: 8 }, (_, i) => i), (i) =>
            requests.upsert(request(`g${i}`, "3l0000000001", { createdAt: T0 + Math.floor(i / 2) * 1000 })))
          yield* Effect.forEach(Array.from({ length: 4 }, (_, i) => i), (i) =>
            requests.upsert(request(`o${i}`, "3l0000000001", { guestDid: OTHER, createdAt: T0 + i * 1000 + 500 })))
          yield* requests.setStatus(request("g7", "x").uri, "declined")

          const forHost = yield* collectPages(5, (cursor) => requests.listByHost({ did: HOST, limit: 5, cursor }))
          expect(forHost).toHaveLength(12)
          const keys = forHost.map((r) => [r.createdAt, r.uri] as const)
          const sorted = [...keys].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : -1))
          expect(keys).toEqual(sorted)
          expect(new Set(forHost.map((r) => r.uri)).size).toBe(12)

          const byGuest = yield* collectPages(3, (cursor) => requests.listByGuest({ did: GUEST, limit: 3, cursor }))
          expect(byGuest.map((r) => r.rkey)).toEqual(["g7", "g6", "g5", "g4", "g3", "g2", "g1", "g0"])
          const declined = yield* requests.listByHost({ did: HOST, limit: 10, status: "declined" })
          expect(declined.items.map((r) => r.rkey)).toEqual(["g7"])

          expect(yield* requests.hideForDid(OTHER)).toBe(4)
          expect((yield* requests.listByHost({ did: HOST, limit: 100 })).items).toHaveLength(8)
          expect(yield* requests.unhideForDid(OTHER)).toBe(4)
          expect(yield* requests.purgeForDid(OTHER)).toBe(4)
          expect((yield* requests.listByHost({ did: HOST, limit: 100, includeHidden: true })).items).toHaveLength(8)
        }))
    })

    describe("BookingsRepo", () => {
      test("create / get round trip at version 1; duplicates and unknown ids are typed failures", () =>
        Effect.gen(function*() {
          const bookings = yield* BookingsRepo
          yield* TestClock.setTime(T0)
          const input = booking("b1", {
            status: "held",
            holdExpiresAt: T0 + 15 * 60_000,
            requestUri: `at://${GUEST}/app.overlap.bookingRequest/r1`,
            offerUri: `at://${HOST}/app.overlap.slotOffer/o1`
          })
          const created = yield* bookings.create(input)
          expect({ ...created }).toEqual({ ...input, createdAt: T0, updatedAt: T0, version: 1 })
          expect(yield* bookings.get("b1")).toEqual(created)

          expect(yield* Effect.flip(bookings.create(booking("b1")))).toMatchObject({ _tag: "BookingAlreadyExists", id: "b1" })
          expect(yield* Effect.flip(bookings.get("nope"))).toMatchObject({ _tag: "BookingNotFound", id: "nope" })
          // the CHECK rules: a held booking needs an expiry; end after start
          expect((yield* Effect.flip(bookings.create(booking("b2", { status: "held" }))))._tag).toBe("RepositoryError")
          expect((yield* Effect.flip(bookings.create(booking("b3", { endAt: T0 }))))._tag).toBe("RepositoryError")
          expect((yield* Effect.flip(bookings.get("b2")))._tag).toBe("BookingNotFound")
        }))

      test("transition is compare-and-set on version", () =>
        Effect.gen(function*() {
          const bookings = yield* BookingsRepo
          yield* TestClock.setTime(T0)
          yield* bookings.create(booking("b1", { status: "held", holdExpiresAt: T0 + 60_000 }))
          yield* TestClock.setTime(T0 + 5000)
          const confirmed = yield* bookings.transition("b1", 1, {
            status: "confirmed",
            holdExpiresAt: null,
            sequence: 1,
            icsR2Key: "ics/b1/1.ics"
          })
          expect(confirmed).toMatchObject({
            status: "confirmed",
            holdExpiresAt: null,
            sequence: 1,
            icsR2Key: "ics/b1/1.ics",
            version: 2,
            createdAt: T0,
            updatedAt: T0 + 5000
          })

          // a writer that read version 1 loses
          const stale = yield* Effect.flip(bookings.transition("b1", 1, { status: "canceled" }))
          expect(stale).toMatchObject({ _tag: "BookingVersionConflict", id: "b1", expectedVersion: 1, actualVersion: 2 })
          expect((yield* bookings.get("b1")).status).toBe("confirmed")

          const missing = yield* Effect.flip(bookings.transition("zz", 1, { status: "canceled" }))
          expect(missing).toMatchObject({ _tag: "BookingNotFound", id: "zz" })

          // a patch that breaks a CHECK rule is refused and the version does not move
          const broken = yield* Effect.flip(bookings.transition("b1", 2, { status: "held" }))
          expect(broken._tag).toBe("RepositoryError")
          expect((yield* bookings.get("b1")).version).toBe(2)

          const moved = yield* bookings.transition("b1", 2, {
            status: "rescheduled",
            startAt: T0 + 48 * HOUR,
            endAt: T0 + 49 * HOUR
          })
          expect(moved).toMatchObject({ status: "rescheduled", startAt: T0 + 48 * HOUR, version: 3, sequence: 1 })
        }))

      test("listForDid pages newest first with no duplicates or gaps, stable when rows arrive between pages", () =>
        Effect.gen(function*() {
          const bookings = yield* BookingsRepo
          // 23 bookings for HOST: guests alternate, created_at advances every third one (ties by id)
          const created: Array<Booking> = []
          for (let i = 0; i < 23; i++) {
            yield* TestClock.setTime(T0 + Math.floor(i / 3) * 1000)
            created.push(
              yield* bookings.create(
                booking(`b${String(i).padStart(2, "0")}`, { guestDid: i % 2 === 0 ? GUEST : OTHER })
              )
            )
          }
          const expected = [...created].sort(newestFirst).map((b) => b.id)

          const ids = (role: BookingRole, did: string, limit: number) =>
            Effect.map(
              collectPages(limit, (cursor) => bookings.listForDid({ did, role, limit, cursor })),
              (items) => items.map((b) => b.id)
            )
          expect(yield* ids("host", HOST, 5)).toEqual(expected)
          expect(yield* ids("either", HOST, 4)).toEqual(expected)
          expect(yield* ids("guest", GUEST, 3)).toEqual(
            [...created].filter((b) => b.guestDid === GUEST).sort(newestFirst).map((b) => b.id)
          )
          expect(yield* ids("guest", HOST, 3)).toEqual([])

          // first page, then new bookings arrive, then the rest: exactly the original sequence
          const first = yield* bookings.listForDid({ did: HOST, role: "either", limit: 7 })
          yield* TestClock.setTime(T0 + 60_000)
          yield* bookings.create(booking("a-new-1"))
          yield* bookings.create(booking("z-new-2", { hostDid: OTHER, guestDid: HOST }))
          const rest = yield* collectPages(7, (cursor) =>
            bookings.listForDid({ did: HOST, role: "either", limit: 7, cursor: cursor ?? Option.getOrThrow(first.cursor) }))
          expect([...first.items, ...rest].map((b) => b.id)).toEqual(expected)

          // a fresh listing sees the newcomers first
          const fresh = yield* bookings.listForDid({ did: HOST, role: "either", limit: 3 })
          expect(fresh.items.map((b) => b.id)).toEqual(["z-new-2", "a-new-1", expected[0]])
        }))

      test("listForDid: 'either' counts a self-booking once; the status filter", () =>
        Effect.gen(function*() {
          const bookings = yield* BookingsRepo
          yield* TestClock.setTime(T0)
          yield* bookings.create(booking("self", { guestDid: HOST }))
          yield* TestClock.setTime(T0 + 1)
          yield* bookings.create(booking("held", { status: "held", holdExpiresAt: T0 + 100 }))
          const either = yield* bookings.listForDid({ did: HOST, role: "either", limit: 10 })
          expect(either.items.map((b) => b.id)).toEqual(["held", "self"])
          const onlyHeld = yield* bookings.listForDid({ did: HOST, role: "either", limit: 10, statuses: ["held"] })
          expect(onlyHeld.items.map((b) => b.id)).toEqual(["held"])
          const none = yield* bookings.listForDid({ did: HOST, role: "host", limit: 10, statuses: [] })
          expect(none.items).toEqual([])
          expect((yield* Effect.flip(bookings.listForDid({ did: HOST, role: "host", limit: 1, cursor: "e30" })))._tag)
            .toBe("InvalidCursor")
        }))

      test("listExpiredHolds: held bookings whose hold expired at or before now, soonest first", () =>
        Effect.gen(function*() {
          const bookings = yield* BookingsRepo
          const now = T0 + HOUR
          yield* bookings.create(booking("late", { status: "held", holdExpiresAt: now - 10 }))
          yield* bookings.create(booking("early", { status: "held", holdExpiresAt: now - 5000 }))
          yield* bookings.create(booking("exact", { status: "held", holdExpiresAt: now }))
          yield* bookings.create(booking("future", { status: "held", holdExpiresAt: now + 1 }))
          yield* bookings.create(booking("done", { status: "confirmed", holdExpiresAt: now - 5000 }))
          const expired = yield* bookings.listExpiredHolds(now, 10)
          expect(expired.map((b) => b.id)).toEqual(["early", "late", "exact"])
          expect((yield* bookings.listExpiredHolds(now, 2)).map((b) => b.id)).toEqual(["early", "late"])
          yield* bookings.transition("early", 1, { status: "expired", holdExpiresAt: null })
          expect((yield* bookings.listExpiredHolds(now, 10)).map((b) => b.id)).toEqual(["late", "exact"])
        }))
    })

    describe("AuditEventsRepo", () => {
      test("append and list a booking's events in append order", () =>
        Effect.gen(function*() {
          const audit = yield* AuditEventsRepo
          yield* TestClock.setTime(T0)
          const first = yield* audit.append({
            bookingId: "b1",
            actorDid: HOST,
            eventType: "booking.hold",
            fromState: "pending",
            toState: "held",
            r2Key: "audit/b1/1.json"
          })
          yield* audit.append({
            bookingId: null,
            actorDid: OTHER,
            eventType: "index.invalidRecord",
            fromState: null,
            toState: null,
            r2Key: null
          })
          const second = yield* audit.append({
            bookingId: "b1",
            actorDid: HOST,
            eventType: "booking.confirm",
            fromState: "held",
            toState: "confirmed",
            r2Key: "audit/b1/2.json"
          })
          expect(first).toMatchObject({ bookingId: "b1", eventType: "booking.hold", createdAt: T0 })
          expect(second.id).toBeGreaterThan(first.id)
          const events = yield* audit.listByBooking("b1")
          expect(events).toEqual([first, second])
          expect(yield* audit.listByBooking("b2")).toEqual([])
        }))
    })

    describe("IdempotencyKeysRepo", () => {
      const TTL = 24 * HOUR
      test("begin, then InFlight while running, then complete, then Replay; a different body is a Mismatch", () =>
        Effect.gen(function*() {
          const keys = yield* IdempotencyKeysRepo
          const begin = (hash: string, now = T0) => keys.begin(GUEST, "app.overlap.match", "k1", hash, now, TTL)
          expect((yield* begin("h1"))._tag).toBe("Started")
          expect((yield* begin("h1", T0 + 10))._tag).toBe("InFlight")
          expect((yield* begin("h2", T0 + 10))._tag).toBe("Mismatch")

          yield* keys.complete(GUEST, "app.overlap.match", "k1", "h1", 200, "{\"ok\":true}")
          expect(yield* begin("h1", T0 + 20)).toEqual({ _tag: "Replay", status: 200, body: "{\"ok\":true}" })
          expect((yield* begin("h2", T0 + 20))._tag).toBe("Mismatch")

          // the scope is (caller, method, key)
          expect((yield* keys.begin(OTHER, "app.overlap.match", "k1", "h2", T0, TTL))._tag).toBe("Started")
          expect((yield* keys.begin(GUEST, "app.overlap.cancel", "k1", "h2", T0, TTL))._tag).toBe("Started")
        }))

      test("an expired key can be used again; abandon frees an in-flight key but never a stored response", () =>
        Effect.gen(function*() {
          const keys = yield* IdempotencyKeysRepo
          const M = "app.overlap.finalize"
          expect((yield* keys.begin(GUEST, M, "k1", "h1", T0, TTL))._tag).toBe("Started")
          yield* keys.complete(GUEST, M, "k1", "h1", 201, "first")
          expect((yield* keys.begin(GUEST, M, "k1", "h1", T0 + TTL - 1, TTL))._tag).toBe("Replay")
          // expired (expires_at <= now): a new request, even with another body, starts afresh
          expect((yield* keys.begin(GUEST, M, "k1", "h9", T0 + TTL, TTL))._tag).toBe("Started")
          expect((yield* keys.begin(GUEST, M, "k1", "h9", T0 + TTL + 1, TTL))._tag).toBe("InFlight")

          yield* keys.abandon(GUEST, M, "k1")
          expect((yield* keys.begin(GUEST, M, "k1", "h5", T0 + TTL + 2, TTL))._tag).toBe("Started")
          yield* keys.complete(GUEST, M, "k1", "h5", 409, "conflict")
          yield* keys.abandon(GUEST, M, "k1")
          expect(yield* keys.begin(GUEST, M, "k1", "h5", T0 + TTL + 3, TTL)).toEqual({
            _tag: "Replay",
            status: 409,
            body: "conflict"
          })
          // complete with a hash that is not in flight is a no-op
          expect((yield* keys.begin(GUEST, M, "k2", "a", T0, TTL))._tag).toBe("Started")
          yield* keys.complete(GUEST, M, "k2", "b", 200, "wrong")
          expect((yield* keys.begin(GUEST, M, "k2", "a", T0 + 1, TTL))._tag).toBe("InFlight")
        }))

      test("purgeExpired deletes only expired entries, at most `limit` at a time", () =>
        Effect.gen(function*() {
          const keys = yield* IdempotencyKeysRepo
          yield* Effect.forEach(["a", "b", "c"], (k) => keys.begin(GUEST, "m", k, "h", T0, 1000))
          yield* keys.begin(GUEST, "m", "d", "h", T0, 5000)
          expect(yield* keys.purgeExpired(T0 + 999)).toBe(0)
          expect(yield* keys.purgeExpired(T0 + 1000, 2)).toBe(2)
          expect(yield* keys.purgeExpired(T0 + 1000)).toBe(1)
          expect((yield* keys.begin(GUEST, "m", "d", "h", T0 + 1000, 5000))._tag).toBe("InFlight")
        }))
    })

    describe("JtiLedger", () => {
      test("a jti is accepted once until it expires, per issuer", () =>
        Effect.gen(function*() {
          const ledger = yield* JtiLedger
          yield* TestClock.setTime(T0)
          yield* ledger.claim(GUEST, "jti-1", T0 + 60_000)
          const replay = yield* Effect.flip(ledger.claim(GUEST, "jti-1", T0 + 60_000))
          expect(replay).toMatchObject({ _tag: "JtiReplayed", iss: GUEST, jti: "jti-1" })
          yield* ledger.claim(OTHER, "jti-1", T0 + 60_000)

          yield* TestClock.setTime(T0 + 59_999)
          expect((yield* Effect.flip(ledger.claim(GUEST, "jti-1", T0 + 120_000)))._tag).toBe("JtiReplayed")
          yield* TestClock.setTime(T0 + 60_000)
          yield* ledger.claim(GUEST, "jti-1", T0 + 120_000)
          expect((yield* Effect.flip(ledger.claim(GUEST, "jti-1", T0 + 120_000)))._tag).toBe("JtiReplayed")
        }))

      test("purgeExpired removes expired claims only", () =>
        Effect.gen(function*() {
          const ledger = yield* JtiLedger
          yield* TestClock.setTime(T0)
          yield* ledger.claim(GUEST, "a", T0 + 10)
          yield* ledger.claim(GUEST, "b", T0 + 20)
          expect(yield* ledger.purgeExpired(T0 + 10)).toBe(1)
          expect(yield* ledger.purgeExpired(T0 + 10)).toBe(0)
          expect((yield* Effect.flip(ledger.claim(GUEST, "b", T0 + 20)))._tag).toBe("JtiReplayed")
        }))
    })

    describe("FirehoseCursorsRepo", () => {
      test("set only moves forward; reset moves anywhere", () =>
        Effect.gen(function*() {
          const cursors = yield* FirehoseCursorsRepo
          expect(yield* cursors.get("relay")).toEqual(Option.none())
          expect(yield* cursors.set("relay", 100)).toBe(true)
          expect(yield* cursors.set("relay", 99)).toBe(false)
          expect(yield* cursors.set("relay", 100)).toBe(false)
          expect(yield* cursors.set("relay", 1_732_000_000_123_456)).toBe(true)
          expect(yield* cursors.get("relay")).toEqual(Option.some(1_732_000_000_123_456))
          yield* cursors.reset("relay", 5)
          expect(yield* cursors.get("relay")).toEqual(Option.some(5))
          expect(yield* cursors.get("jetstream")).toEqual(Option.none())
        }))
    })
  })
}
