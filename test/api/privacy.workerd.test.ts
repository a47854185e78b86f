import { createExecutionContext, createMessageBatch, env, getQueueResult, runInDurableObject } from "cloudflare:test"
import { HttpClient, HttpClientResponse, UrlParams } from "@effect/platform"
import { Effect, Layer, Logger, LogLevel, ManagedRuntime, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import worker from "../../src/entry/appview"
import { type ControllableHostMatchDO as HostMatchDO, useCalendarProvider } from "../support/appviewTestWorker"
import { AnalyticsLive } from "../../src/adapters/analytics/AnalyticsLive"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { HoldStoreLive } from "../../src/adapters/objects/HoldStoreLive"
import { makeDidDocument, makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { RateLimiterLive } from "../../src/adapters/objects/RateLimiterLive"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { makeSocialGraphLive } from "../../src/adapters/atproto/SocialGraphLive"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { OffersRepo } from "../../src/services/OffersRepo"
import { leavingNoAlarms } from "../support/alarms"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "./xrpcTestKit"

// Issue #3 §5: "No response, log line, D1 row, KV value or R2 object ever contains a busy interval from a
// provider". Inside workerd, over the real stores: the XRPC handler on the Live layers (D1 repositories and
// jti ledger, RateLimiterDO, SocialGraph Live with its KV cache, HoldStoreLive → the real HostMatchDO, the
// Analytics Engine writer), with only the calendars (in memory, shared by the handler and the object),
// the AppView's HTTP answers, identities and Turnstile faked. Distinctive busy times (odd minutes and
// seconds) are seeded for host and guest; after getAvailability (signed and anonymous), a held match, a
// pending match finished by the calendar-tasks consumer, getMatchStatus, getBooking and listBookings, every
// D1 table, every KV namespace, every R2 object, the Durable Objects' storage, every response body, every
// Analytics Engine data point and every console line are scanned for each busy start/end as epoch ms,
// epoch s and ISO text (with and without milliseconds, and to the minute).

const HOUR = 3_600_000
const MIN = 60_000
const SEC = 1_000
const DAY0 = Math.ceil((Date.now() + 3 * 24 * HOUR) / (24 * HOUR)) * 24 * HOUR
const iso = (ms: number) => new Date(ms).toISOString()

let host: TestAccount, guest: TestAccount, second: TestAccount
let xrpc: XrpcHandler
let runtime: ManagedRuntime.ManagedRuntime<any, never>
const calendars = new CalendarProviderTestControl()
const analyticsPoints: Array<unknown> = []
const offerUri = () => `at://${host.did}/app.overlap.slotOffer/open`

/** The Bluesky AppView's getRelationships, answered in memory: host and guest are strangers (tier anyone). */
const appView = Layer.succeed(
  HttpClient.HttpClient,
  HttpClient.make((request) => {
    const param = (name: string) => Option.getOrElse(UrlParams.getFirst(request.urlParams, name), () => "")
    const other = param("others")
    return Effect.succeed(HttpClientResponse.fromWeb(request, Response.json({
      actor: param("actor"),
      relationships: [{ $type: "app.bsky.graph.defs#relationship", did: other }]
    })))
  })
)

beforeAll(async () => {
  host = await makeAccount("pvhost")
  guest = await makeAccount("pvguest")
  second = await makeAccount("pvsecond") // another guest: one guest holds one of a host's times at a time (issue 12, item 1)
  const analytics = { writeDataPoint: (point: unknown) => void analyticsPoints.push(point) }
  const root = CloudflareEnv.layer({ ...env, ANALYTICS: analytics } as unknown as Env)
  const repositories = RepositoriesLive.pipe(Layer.provide(root))
  const services = Layer.mergeAll(
    repositories,
    serviceAuthFor([host, guest, second])(repositories),
    RateLimiterLive.pipe(Layer.provide(root)),
    TurnstileTest,
    makeSocialGraphLive().pipe(Layer.provide(Layer.merge(root, appView))),
    calendarProviderTestLayer(calendars),
    HoldStoreLive.pipe(Layer.provide(root)),
    AnalyticsLive.pipe(Layer.provide(root)),
    makeIdentityResolverTest({ documents: [host, guest, second].map((a) => makeDidDocument({ did: a.did, signingKey: a.keypair.did() })) })
  )
  runtime = ManagedRuntime.make(services)
  const context = (await runtime.runtime()).context
  await runtime.runPromise(Effect.flatMap(OffersRepo, (offers) =>
    offers.upsert({
      uri: offerUri(), did: host.did, rkey: "open", cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
      rev: "3l000000000002", startAt: DAY0 + 9 * HOUR, endAt: DAY0 + 17 * HOUR, policy: "anyone", tz: "UTC", note: null,
      createdAt: Date.now()
    })))
  // Every level, so a debug line carrying a busy instant would be printed (and captured) too.
  xrpc = makeXrpcHandler(withXrpcTestServices(Layer.merge(Layer.succeedContext(context), Logger.minimumLogLevel(LogLevel.All))))
})

afterAll(async () => {
  await xrpc?.dispose()
  await runtime?.dispose()
})

const hostObject = () => env.HOST_MATCH.get(env.HOST_MATCH.idFromName(host.did)) as unknown as DurableObjectStub<HostMatchDO>

// ---------------------------------------------------------------- dumping the stores

const text = (value: unknown): string =>
  JSON.stringify(value, (_k, v) =>
    v instanceof ArrayBuffer ? new TextDecoder().decode(v) : ArrayBuffer.isView(v) ? new TextDecoder().decode(v as Uint8Array) : v)

/** Every row of every D1 table (tables D1 itself reserves, `_cf_*`, cannot be read and hold no app data). */
const dumpD1 = async (): Promise<string> => {
  const tables = (await env.DB.prepare("SELECT name FROM sqlite_master WHERE type='table'").all<{ name: string }>()).results
  const out: Array<string> = []
  for (const { name } of tables) {
    if (name.startsWith("_cf_")) continue
    const rows = (await env.DB.prepare(`SELECT * FROM "${name.replaceAll("\"", "\"\"")}"`).all()).results
    out.push(`${name}: ${text(rows)}`)
  }
  expect(out.length).toBeGreaterThan(5)
  return out.join("\n")
}

const bindings = () => Object.entries(env as unknown as Record<string, unknown>)
const isKv = (v: unknown): v is KVNamespace =>
  typeof v === "object" && v !== null && typeof (v as KVNamespace).getWithMetadata === "function" && typeof (v as KVNamespace).list === "function"
const isR2 = (v: unknown): v is R2Bucket =>
  typeof v === "object" && v !== null && typeof (v as R2Bucket).createMultipartUpload === "function"

/** Every key, value and metadata of every KV namespace bound to the worker. */
const dumpKv = async (): Promise<string> => {
  const out: Array<string> = []
  const namespaces = bindings().filter(([, v]) => isKv(v)) as Array<[string, KVNamespace]>
  expect(namespaces.map(([name]) => name)).toEqual(expect.arrayContaining(["GRAPH_CACHE", "FEATURES", "SESSION_NONCES"]))
  for (const [name, kv] of namespaces) {
    let cursor: string | undefined
    do {
      const page: KVNamespaceListResult<unknown, string> = await kv.list(cursor ? { cursor } : {})
      for (const key of page.keys) {
        const { value, metadata } = await kv.getWithMetadata(key.name)
        out.push(`${name} ${key.name} ${text(key.metadata)} ${value} ${text(metadata)}`)
      }
      cursor = page.list_complete ? undefined : page.cursor
    } while (cursor)
  }
  return out.join("\n")
}

/** Every object (key, metadata, body) of every R2 bucket bound to the worker. */
const dumpR2 = async (): Promise<string> => {
  const out: Array<string> = []
  const buckets = bindings().filter(([, v]) => isR2(v)) as Array<[string, R2Bucket]>
  expect(buckets.map(([name]) => name)).toContain("BLOBS")
  for (const [name, bucket] of buckets) {
    let cursor: string | undefined
    do {
      const page = await bucket.list({ include: ["httpMetadata", "customMetadata"], ...(cursor ? { cursor } : {}) })
      for (const object of page.objects) {
        const body = await bucket.get(object.key)
        out.push(`${name} ${object.key} ${text(object.customMetadata)} ${text(object.httpMetadata)} ${body ? await body.text() : ""}`)
      }
      cursor = page.truncated ? page.cursor : undefined
    } while (cursor)
  }
  return out.join("\n")
}

/** A Durable Object's whole storage: every SQLite table, the KV-style entries, the alarm. */
const dumpObject = (stub: DurableObjectStub) =>
  runInDurableObject(stub, async (_instance, state) => {
    const out: Array<string> = []
    const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type='table'").toArray()
    for (const { name } of tables) {
      if (name.startsWith("_cf_")) continue // the runtime's own (the KV-style API below reads _cf_KV)
      out.push(`${name}: ${text(state.storage.sql.exec(`SELECT * FROM "${name.replaceAll("\"", "\"\"")}"`).toArray())}`)
    }
    out.push(`kv: ${text([...(await state.storage.list()).entries()])}`)
    out.push(`alarm: ${await state.storage.getAlarm()}`)
    return out.join("\n")
  })

// ---------------------------------------------------------------- calling

const base = "http://appview.test/xrpc/"
const bodies: Array<string> = []
const call = async (
  nsid: string,
  as: TestAccount | "anonymous",
  init: { params?: Record<string, string>; body?: unknown; key?: string } = {}
) => {
  const url = new URL(`${base}${nsid}`)
  for (const [k, v] of Object.entries(init.params ?? {})) url.searchParams.append(k, v)
  const headers: Record<string, string> = { "cf-connecting-ip": "192.0.2.41" }
  if (as === "anonymous") headers["cf-turnstile-response"] = `pass-privacy-${bodies.length}`
  else headers.authorization = `Bearer ${await as.token(nsid)}`
  if (init.key) headers["idempotency-key"] = init.key
  if (init.body !== undefined) headers["content-type"] = "application/json"
  const response = await xrpc.handle(new Request(url, {
    method: init.body !== undefined ? "POST" : "GET",
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
  }))
  const body = await response.text()
  bodies.push(`${nsid} ${response.status} ${[...response.headers].map((h) => h.join(": ")).join("; ")}\n${body}`)
  return { status: response.status, body: JSON.parse(body) as Record<string, any> }
}

/** Which of `needles` occur in `haystack`. */
const found = (haystack: string, needles: ReadonlyArray<string>) => needles.filter((n) => haystack.includes(n))

describe("privacy over the real stores (workerd)", () => {
  // RateLimiterDO and HostMatchDO alarms outlive the pool's isolated storage, so the test deletes the ones it
  // leaves. (At the default read rate the host's first read, near the end, armed one 500 ms out; the limits
  // vitest.workers.config.ts sets refill too slowly for any to come due during the test.)
  it("no busy instant of host or guest reaches a response, D1, KV, R2, a Durable Object, Analytics or the console", leavingNoAlarms([env.RATE_LIMITER, env.HOST_MATCH], async () => {
    const consoleLines: Array<string> = []
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: Array<unknown>) => void consoleLines.push(args.map(String).join(" ")))
    )
    try {
      // Distinctive instants: odd minutes and seconds, inside the offer's 09:00–17:00 UTC window.
      const at = (h: number, m: number, s = 0) => DAY0 + h * HOUR + m * MIN + s * SEC
      const hostBusy = [{ start: at(9, 7, 13), end: at(10, 53, 17) }, { start: at(13, 53, 29), end: at(14, 31, 7) }]
      const guestBusy = [{ start: at(11, 7, 41), end: at(12, 29, 53) }, { start: at(15, 53, 3), end: at(16, 7, 59) }]
      calendars.setBusy(host.did, hostBusy).setBusy(guest.did, guestBusy)
      await runInDurableObject(hostObject(), (instance) => instance[useCalendarProvider](calendarProviderTestLayer(calendars)))
      const instants = [...hostBusy, ...guestBusy].flatMap((i) => [i.start, i.end])
      const needles = instants.flatMap((t) => {
        const s = iso(t)
        return [String(t), String(Math.floor(t / 1000)), s, s.replace(/\.\d{3}Z$/, "Z"), s.slice(0, 19), s.slice(0, 16)]
      })

      // getAvailability, signed and anonymous (Turnstile): slots only, on the grid, around the busy time
      const params = { host: host.did, durationMin: "30", durationMax: "60", earliest: iso(DAY0), latest: iso(DAY0 + 24 * HOUR), tz: "UTC" }
      const signed = await call("app.overlap.getAvailability", guest, { params })
      expect(signed.status, bodies.join("\n")).toBe(200)
      expect(signed.body.slots.length).toBeGreaterThan(0)
      const anonymous = await call("app.overlap.getAvailability", "anonymous", { params })
      expect(anonymous.status).toBe(200)
      expect((await call("app.overlap.getOffers", "anonymous", { params: { host: host.did } })).body.offers).toHaveLength(1)

      // match → held, through the real HostMatchDO and D1
      const constraints = { durationMin: 30, durationMax: 30, tz: "UTC", earliest: iso(DAY0), latest: iso(DAY0 + 24 * HOUR) }
      const held = await call("app.overlap.match", guest, { body: { hostDid: host.did, offerUri: offerUri(), constraints }, key: "privacy-key-0001-abcdef" })
      expect(held.status).toBe(200)
      const hold = held.body.result as { bookingId: string; slot: { start: string; end: string } }
      const holdStart = Date.parse(hold.slot.start)
      expect(holdStart % (15 * MIN)).toBe(0)

      // a pending match (host calendar rate-limited), finished by the calendar-tasks consumer, polled
      calendars.configure(host.did, { failBusy: "rate-limited", retryAfterMs: 5_000 })
      const pending = await call("app.overlap.match", second, {
        body: { hostDid: host.did, offerUri: offerUri(), constraints, note: "second" }, key: "privacy-key-0002-abcdef"
      })
      expect(pending.status).toBe(202)
      const token = pending.body.result.token as string
      expect((await call("app.overlap.getMatchStatus", second, { params: { token } })).body.status).toBe("pending")
      calendars.configure(host.did, {})
      const batch = createMessageBatch<unknown>("calendar-tasks", [{ id: "m-privacy", timestamp: new Date(), attempts: 1, body: { kind: "match", token } }])
      const ctx = createExecutionContext()
      await worker.queue(batch, env)
      expect((await getQueueResult(batch, ctx)).explicitAcks).toContain("m-privacy")
      const status = await call("app.overlap.getMatchStatus", second, { params: { token } })
      expect(status.body.status).toBe("held")

      // the bookings, read back by both sides
      expect((await call("app.overlap.getBooking", guest, { params: { id: hold.bookingId } })).status).toBe(200)
      expect((await call("app.overlap.listBookings", host)).body.bookings.length).toBe(2)
      expect((await call("app.overlap.listBookings", guest)).status).toBe(200)

      // ------------------------------------------------------------ the scan
      const rateLimiterObjects = [host.did, guest.did, "ip:192.0.2.0/24"].map((subject) =>
        env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(subject)) as unknown as DurableObjectStub)
      const haystacks: Record<string, string> = {
        responses: bodies.join("\n"),
        d1: await dumpD1(),
        kv: await dumpKv(),
        r2: await dumpR2(),
        hostMatchDO: await dumpObject(hostObject() as unknown as DurableObjectStub),
        rateLimiterDOs: (await Promise.all(rateLimiterObjects.map(dumpObject))).join("\n"),
        analytics: text(analyticsPoints),
        console: consoleLines.join("\n")
      }
      const leaks = Object.entries(haystacks).flatMap(([where, haystack]) => found(haystack, needles).map((n) => `${where}: ${n}`))
      expect(leaks).toEqual([])

      // The scan is not vacuous: each store holds what the run wrote, in the forms the needles use.
      expect(found(haystacks.responses!, [iso(holdStart)])).toHaveLength(1)
      expect(found(haystacks.d1!, [String(holdStart), hold.bookingId, offerUri()])).toHaveLength(3) // bookings, offers_index
      expect(found(haystacks.hostMatchDO!, [String(holdStart), hold.bookingId])).toHaveLength(2) // the object's holds
      expect(haystacks.kv).toContain(`rel:v1:${host.did}:${guest.did}`) // the graph cache
      expect(haystacks.rateLimiterDOs).toContain("availability") // the buckets spent
      expect(analyticsPoints.length).toBeGreaterThan(0)
      // a busy instant placed in any haystack is caught, in every form
      for (const t of instants.slice(0, 2)) {
        for (const form of [String(t), String(Math.floor(t / 1000)), iso(t)]) expect(found(`x${form}y`, needles).length).toBeGreaterThan(0)
      }
    } finally {
      spies.forEach((s) => s.mockRestore())
    }
  }))
})
