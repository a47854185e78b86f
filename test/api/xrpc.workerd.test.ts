import { env } from "cloudflare:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { BookingsRepo } from "../../src/services/BookingsRepo"
import { RateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "./xrpcTestKit"

// The XRPC handler inside workerd over the real D1 binding (Live repositories, real jti ledger).
// Identities are in memory: workerd tests reach no PLC.
let host: TestAccount
let guest: TestAccount
let xrpc: XrpcHandler

beforeAll(async () => {
  host = await makeAccount("wdhost")
  guest = await makeAccount("wdguest")
  const repositories = RepositoriesLive.pipe(Layer.provide(CloudflareEnv.layer(env)))
  const services = Layer.mergeAll(repositories, serviceAuthFor([host, guest])(repositories), RateLimiterTest, TurnstileTest)
  const runtime = ManagedRuntime.make(services)
  const start = Date.UTC(2026, 11, 2, 14)
  await runtime.runPromise(
    Effect.flatMap(BookingsRepo, (repo) =>
      repo.create({
        id: "wd-1",
        hostDid: host.did,
        guestDid: guest.did,
        requestUri: null,
        offerUri: null,
        status: "confirmed",
        startAt: start,
        endAt: start + 1_800_000,
        tz: "America/New_York",
        sequence: 1,
        icsR2Key: null,
        holdExpiresAt: null
      })
    )
  )
  xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext((await runtime.runtime()).context)))
})

afterAll(async () => {
  await xrpc?.dispose()
})

describe("XRPC over D1 in workerd", () => {
  it("reads a booking stored in D1 for its participant", async () => {
    const response = await xrpc.handle(
      new Request("http://appview.test/xrpc/app.overlap.getBooking?id=wd-1", {
        headers: { authorization: `Bearer ${await host.token("app.overlap.getBooking")}` }
      })
    )
    expect(response.status).toBe(200)
    const body = (await response.json()) as { booking: { id: string; slot: { start: string } } }
    expect(body.booking.id).toBe("wd-1")
    expect(body.booking.slot.start).toBe("2026-12-02T14:00:00.000Z")
  })

  it("refuses a replayed token using the jti ledger in D1", async () => {
    const token = await guest.token("app.overlap.listBookings")
    const call = () =>
      xrpc.handle(new Request("http://appview.test/xrpc/app.overlap.listBookings", { headers: { authorization: `Bearer ${token}` } }))
    expect((await call()).status).toBe(200)
    const replay = await call()
    expect(replay.status).toBe(401)
    expect(await replay.json()).toEqual({ error: "JwtReplayed", message: expect.any(String) })
    const claims = await env.DB.prepare("SELECT COUNT(*) AS n FROM service_auth_jtis").first<{ n: number }>()
    expect(claims?.n).toBeGreaterThanOrEqual(1)
  })

  it("answers a method name with malformed percent-encoding with 400, not a thrown URIError", async () => {
    const { SELF } = await import("cloudflare:test")
    const response = await SELF.fetch("http://localhost/xrpc/app.overlap.getBooking%E0%A4%A")
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: "InvalidRequest", message: expect.stringMatching(/^path: /) })
  })

  it("answers an unknown method with 501 through the real worker entry", async () => {
    const { SELF } = await import("cloudflare:test")
    const response = await SELF.fetch("http://localhost/xrpc/app.overlap.nope")
    expect(response.status).toBe(501)
    expect(((await response.json()) as { error: string }).error).toBe("MethodNotImplemented")
  })
})
