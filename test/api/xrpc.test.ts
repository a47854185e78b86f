import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { BookingsRepo } from "../../src/services/BookingsRepo"
import { type NewBooking } from "../../src/domain/booking/booking"
import { RateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "./xrpcTestKit"

// The XRPC plumbing end to end over Test repositories: real HttpApi, real service-auth verification
// (tokens signed with secp256k1 keys the in-memory identity resolver knows), real wire format.
let host: TestAccount
let guest: TestAccount
let stranger: TestAccount
let xrpc: XrpcHandler
let seed: (booking: NewBooking) => Promise<void>

const base = "http://appview.test/xrpc/"
const get = async (nsid: string, params: Record<string, string>, token?: string) => {
  const response = await xrpc.handle(
    new Request(`${base}${nsid}?${new URLSearchParams(params)}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  )
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

beforeAll(async () => {
  host = await makeAccount("host")
  guest = await makeAccount("guest")
  stranger = await makeAccount("stranger")
  const repositories = RepositoriesTest
  const services = Layer.mergeAll(repositories, serviceAuthFor([host, guest, stranger])(repositories), RateLimiterTest, TurnstileTest)
  // One runtime shares the in-memory repositories between the seeding code and the handler.
  const runtime = ManagedRuntime.make(services)
  const context = await runtime.runtime()
  xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext(context.context)))
  seed = (booking) => runtime.runPromise(Effect.flatMap(BookingsRepo, (repo) => repo.create(booking)).pipe(Effect.asVoid))
  const hour = 3_600_000
  const start = Date.UTC(2026, 11, 1, 9)
  for (let i = 0; i < 5; i++) {
    await seed({
      id: `bk-${i}`,
      hostDid: host.did,
      guestDid: guest.did,
      requestUri: null,
      offerUri: null,
      status: i === 4 ? "held" : "confirmed",
      startAt: start + i * hour,
      endAt: start + i * hour + hour / 2,
      tz: "Europe/Berlin",
      sequence: 0,
      icsR2Key: null,
      holdExpiresAt: i === 4 ? start : null
    })
  }
})

afterAll(async () => {
  await xrpc?.dispose()
})

describe("XRPC plumbing", () => {
  it("serves a participant's booking with its exact time", async () => {
    const { status, body } = await get("app.overlap.getBooking", { id: "bk-1" }, await guest.token("app.overlap.getBooking"))
    expect(status).toBe(200)
    expect(body.booking).toMatchObject({ id: "bk-1", hostDid: host.did, guestDid: guest.did, status: "confirmed" })
    // in UTC and on the guest's clock (the booking's zone); a row without the host's zone has no host form
    expect(body.booking.slot).toEqual({
      start: "2026-12-01T10:00:00.000Z",
      end: "2026-12-01T10:30:00.000Z",
      guest: { tz: "Europe/Berlin", start: "2026-12-01T11:00:00+01:00", end: "2026-12-01T11:30:00+01:00" }
    })
  })

  it("does not tell a non-participant that a booking exists", async () => {
    const { status, body } = await get("app.overlap.getBooking", { id: "bk-1" }, await stranger.token("app.overlap.getBooking"))
    expect(status).toBe(404)
    expect(body).toEqual({ error: "BookingNotFound", message: expect.any(String) })
  })

  it("lists the inbox newest first across pages with a cursor", async () => {
    const first = await get("app.overlap.listBookings", { limit: "3", role: "host" }, await host.token("app.overlap.listBookings"))
    expect(first.status).toBe(200)
    expect(first.body.bookings.map((b: { id: string }) => b.id)).toHaveLength(3)
    expect(typeof first.body.cursor).toBe("string")
    const second = await get(
      "app.overlap.listBookings",
      { limit: "3", role: "host", cursor: first.body.cursor },
      await host.token("app.overlap.listBookings")
    )
    const ids = [...first.body.bookings, ...second.body.bookings].map((b: { id: string }) => b.id)
    expect(new Set(ids).size).toBe(5)
    expect(second.body.cursor).toBeUndefined()
    const asGuest = await get("app.overlap.listBookings", { role: "host" }, await guest.token("app.overlap.listBookings"))
    expect(asGuest.body.bookings).toEqual([])
  })

  it("answers bad input with 400 InvalidRequest naming the field, and nothing else", async () => {
    const tooMany = await get("app.overlap.listBookings", { limit: "500" }, await host.token("app.overlap.listBookings"))
    expect(tooMany.status).toBe(400)
    expect(tooMany.body.error).toBe("InvalidRequest")
    expect(tooMany.body.message).toMatch(/^limit: /)
    expect(Object.keys(tooMany.body).sort()).toEqual(["error", "message"])

    const badRole = await get("app.overlap.listBookings", { role: "admin" }, await host.token("app.overlap.listBookings"))
    expect(badRole.status).toBe(400)
    expect(badRole.body.message).toMatch(/^role: /)

    const missing = await get("app.overlap.getBooking", {}, await host.token("app.overlap.getBooking"))
    expect(missing.status).toBe(400)
    expect(missing.body.message).toMatch(/^id: /)

    const cursor = await get("app.overlap.listBookings", { cursor: "not-a-cursor" }, await host.token("app.overlap.listBookings"))
    expect(cursor.status).toBe(400)
    expect(cursor.body.error).toBe("InvalidCursor")
  })

  it("refuses each kind of bad credential with its own 401 error name", async () => {
    const call = (token?: string) => get("app.overlap.getBooking", { id: "bk-1" }, token)
    expect((await call()).body.error).toBe("AuthMissing")
    expect((await call("not.a.jwt")).body.error).toBe("BadJwt")
    expect((await call(await guest.token("app.overlap.getBooking", { aud: "did:web:other.example#overlap_appview" }))).body.error).toBe("BadJwtAudience")
    expect((await call(await guest.token("app.overlap.listBookings"))).body.error).toBe("BadJwtLexiconMethod")
    const past = Math.floor(Date.now() / 1000) - 3600
    expect((await call(await guest.token("app.overlap.getBooking", { iat: past - 60, exp: past }))).body.error).toBe("JwtExpired")
    const unknown = await makeAccount("nobody")
    expect((await call(await unknown.token("app.overlap.getBooking"))).body.error).toBe("UnknownIssuer")
    const forged = await stranger.token("app.overlap.getBooking", { iss: guest.did })
    expect((await call(forged)).body.error).toBe("BadJwtSignature")
    const once = await guest.token("app.overlap.getBooking")
    expect((await call(once)).status).toBe(200)
    const replay = await call(once)
    expect(replay.status).toBe(401)
    expect(replay.body.error).toBe("JwtReplayed")
  })

  it("answers 501 for methods it does not serve and 405 for the wrong HTTP verb", async () => {
    const unknown = await xrpc.handle(new Request(`${base}app.overlap.noSuchMethod`))
    expect(unknown.status).toBe(501)
    expect(await unknown.json()).toEqual({ error: "MethodNotImplemented", message: expect.stringContaining("app.overlap.noSuchMethod") })
    const wrongVerb = await xrpc.handle(new Request(`${base}app.overlap.getBooking?id=bk-1`, { method: "POST" }))
    expect(wrongVerb.status).toBe(405)
    expect(((await wrongVerb.json()) as { error: string }).error).toBe("InvalidRequest")
  })
})
