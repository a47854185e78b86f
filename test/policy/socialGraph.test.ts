import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, beforeEach } from "vitest"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { makeSocialGraphLive, relationshipCacheKey } from "../../src/adapters/atproto/SocialGraphLive"
import { makeSocialGraphTest } from "../../src/adapters/memory/SocialGraphTest"
import { checkTier, SocialGraph } from "../../src/services/SocialGraph"

// A local stand-in for the Bluesky AppView's app.bsky.graph.getRelationships, answering with the
// lexicon's shapes (app.bsky.graph.defs#relationship / #notFoundActor) from a small graph.
const HOST = "did:plc:host00000000000000000000"
const FRIEND = "did:plc:friend000000000000000000"
const FAN = "did:plc:fan00000000000000000000"
const FOLLOWED = "did:plc:followed0000000000000000"
const BLOCKER = "did:plc:blocker00000000000000000"
const LISTED = "did:plc:listed000000000000000000"
const GHOST = "did:plc:ghost0000000000000000000"
const SILENT = "did:plc:silent000000000000000000"
const BROKEN = "did:plc:broken000000000000000000"
const SLOW = "did:plc:slow00000000000000000000"
const UNKNOWN_HOST = "did:plc:nohost00000000000000000000"

const uri = (did: string, collection: string) => `at://${did}/${collection}/3k2abcdefgh2c`
const follows = new Set([`${HOST}>${FRIEND}`, `${FRIEND}>${HOST}`, `${FAN}>${HOST}`, `${HOST}>${FOLLOWED}`, `${HOST}>${BLOCKER}`, `${BLOCKER}>${HOST}`])

interface Seen { readonly path: string; readonly params: Record<string, Array<string>>; readonly accept: string | undefined }
let seen: Array<Seen> = []
let server: http.Server
let baseUrl: string

const relationshipOf = (actor: string, other: string) => ({
  $type: "app.bsky.graph.defs#relationship",
  did: other,
  ...(follows.has(`${actor}>${other}`) ? { following: uri(actor, "app.bsky.graph.follow") } : {}),
  ...(follows.has(`${other}>${actor}`) ? { followedBy: uri(other, "app.bsky.graph.follow") } : {}),
  ...(other === BLOCKER ? { blockedBy: uri(other, "app.bsky.graph.block") } : {}),
  ...(other === LISTED ? { blockingByList: uri(actor, "app.bsky.graph.listblock") } : {})
})

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const params: Record<string, Array<string>> = {}
    for (const [k, v] of url.searchParams) (params[k] ??= []).push(v)
    seen.push({ path: url.pathname, params, accept: req.headers.accept })
    const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
    if (req.method !== "GET" || url.pathname !== "/xrpc/app.bsky.graph.getRelationships") return send(404, { error: "MethodNotImplemented" })
    const actor = url.searchParams.get("actor") ?? ""
    const others = url.searchParams.getAll("others")
    if (actor === UNKNOWN_HOST) return send(400, { error: "ActorNotFound", message: "Actor not found" })
    if (others.includes(BROKEN)) return send(502, { error: "UpstreamFailure" })
    if (others.includes(SLOW)) return void setTimeout(() => send(200, { relationships: [] }), 5_000)
    if (others.includes(SILENT)) return send(200, { actor, relationships: [] })
    send(200, {
      actor,
      relationships: others.map((other) =>
        other === GHOST ? { $type: "app.bsky.graph.defs#notFoundActor", actor: other, notFound: true } : relationshipOf(actor, other)
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
afterAll(() => {
  server.closeAllConnections()
  return new Promise<void>((resolve) => server.close(() => resolve()))
})

/** The KV operations the layer uses, in memory, recording each put's TTL. */
const memoryKv = () => {
  const entries = new Map<string, { value: string; ttl: number | undefined }>()
  let failing = false
  const kv = {
    entries,
    fail: (on: boolean) => void (failing = on),
    get: async (key: string) => {
      if (failing) throw new Error("KV GET failed: 500")
      return entries.get(key)?.value ?? null
    },
    put: async (key: string, value: string, options?: { expirationTtl?: number }) => {
      if (failing) throw new Error("KV PUT failed: 500")
      entries.set(key, { value, ttl: options?.expirationTtl })
    }
  }
  return kv
}

let kv: ReturnType<typeof memoryKv>
beforeEach(() => {
  seen = []
  kv = memoryKv()
})

const live = (options: Parameters<typeof makeSocialGraphLive>[0] = {}) =>
  makeSocialGraphLive(options).pipe(
    Layer.provide(CloudflareEnv.layer({ BSKY_APPVIEW_URL: baseUrl, GRAPH_CACHE: kv } as unknown as Env)),
    Layer.provide(FetchHttpClient.layer)
  )

const relationship = (actor: string, other: string) => Effect.flatMap(SocialGraph, (graph) => graph.relationship(actor, other))

describe("SocialGraphLive against a getRelationships stand-in", () => {
  it.effect("asks for one pair with the documented params and reads at-uris as true", () =>
    Effect.gen(function* () {
      const r = yield* relationship(HOST, FRIEND)
      expect(r).toEqual({ following: true, followedBy: true, blocking: false, blockedBy: false })
      expect(seen).toEqual([{ path: "/xrpc/app.bsky.graph.getRelationships", params: { actor: [HOST], others: [FRIEND] }, accept: "application/json" }])
    }).pipe(Effect.provide(live())))

  it.effect("tells the two follow directions apart", () =>
    Effect.gen(function* () {
      expect(yield* relationship(HOST, FAN)).toEqual({ following: false, followedBy: true, blocking: false, blockedBy: false })
      expect(yield* relationship(HOST, FOLLOWED)).toEqual({ following: true, followedBy: false, blocking: false, blockedBy: false })
    }).pipe(Effect.provide(live())))

  it.effect("reports blocks in both directions, list blocks included", () =>
    Effect.gen(function* () {
      expect(yield* relationship(HOST, BLOCKER)).toMatchObject({ following: true, followedBy: true, blockedBy: true })
      expect(yield* relationship(HOST, LISTED)).toMatchObject({ blocking: true, blockedBy: false })
    }).pipe(Effect.provide(live())))

  it.effect("an account the graph does not know has no relationship (notFoundActor, ActorNotFound)", () =>
    Effect.gen(function* () {
      const none = { following: false, followedBy: false, blocking: false, blockedBy: false }
      expect(yield* relationship(HOST, GHOST)).toEqual(none)
      expect(yield* relationship(UNKNOWN_HOST, FRIEND)).toEqual(none)
    }).pipe(Effect.provide(live())))

  it.effect("caches per ordered pair with the configured TTL; the reverse pair is its own entry", () =>
    Effect.gen(function* () {
      yield* relationship(HOST, FAN)
      yield* relationship(HOST, FAN)
      expect(seen).toHaveLength(1)
      expect(kv.entries.get(relationshipCacheKey(HOST, FAN))).toEqual({
        value: JSON.stringify({ following: false, followedBy: true, blocking: false, blockedBy: false }),
        ttl: 90
      })
      expect(yield* relationship(FAN, HOST)).toEqual({ following: true, followedBy: false, blocking: false, blockedBy: false })
      expect(seen).toHaveLength(2)
    }).pipe(Effect.provide(live({ cacheTtlSeconds: 90 }))))

  it.effect("a TTL below KV's minimum is raised to 60 s", () =>
    Effect.gen(function* () {
      yield* relationship(HOST, FAN)
      expect(kv.entries.get(relationshipCacheKey(HOST, FAN))?.ttl).toBe(60)
    }).pipe(Effect.provide(live({ cacheTtlSeconds: 5 }))))

  it.effect("a failing KV is only a cache miss", () =>
    Effect.gen(function* () {
      kv.fail(true)
      expect(yield* relationship(HOST, FRIEND)).toMatchObject({ following: true })
      expect(yield* relationship(HOST, FRIEND)).toMatchObject({ following: true })
      expect(seen).toHaveLength(2)
    }).pipe(Effect.provide(live())))

  it.live("5xx, timeouts and answers that leave the guest out are GraphUnavailable, and are not cached", () =>
    Effect.gen(function* () {
      for (const other of [BROKEN, SLOW, SILENT]) {
        const result = yield* Effect.either(relationship(HOST, other))
        expect(Either.isLeft(result) && result.left._tag, other).toBe("GraphUnavailable")
      }
      expect(kv.entries.size).toBe(0)
    }).pipe(Effect.provide(live({ requestTimeout: "200 millis" }))))

  it.effect("checkTier goes through the graph and refuses blocked guests even on anyone offers", () =>
    Effect.gen(function* () {
      expect((yield* checkTier("mutual", HOST, { did: FRIEND }))._tag).toBe("Allowed")
      expect(yield* checkTier("anyone", HOST, { did: BLOCKER })).toMatchObject({ _tag: "Refused", reason: "blocked" })
      expect(yield* checkTier("follower", HOST, { did: FOLLOWED })).toMatchObject({ _tag: "Refused", reason: "guest-does-not-follow" })
      const before = seen.length
      expect(yield* checkTier("mutual", HOST, { did: HOST })).toMatchObject({ _tag: "Allowed", reason: "self" })
      expect(yield* checkTier("anyone", HOST, { anonymous: true })).toMatchObject({ _tag: "Allowed", reason: "anyone" })
      expect(yield* checkTier("connected", HOST, { anonymous: true })).toMatchObject({ _tag: "Refused" })
      expect(seen.length).toBe(before)
    }).pipe(Effect.provide(live())))
})

describe("SocialGraphTest", () => {
  it.effect("reads a fixture the way Live reads the AppView", () =>
    Effect.gen(function* () {
      expect(yield* relationship("a", "b")).toEqual({ following: true, followedBy: false, blocking: false, blockedBy: true })
      expect(yield* relationship("b", "a")).toEqual({ following: false, followedBy: true, blocking: true, blockedBy: false })
      const down = yield* Effect.either(relationship("a", "x"))
      expect(Either.isLeft(down) && down.left._tag).toBe("GraphUnavailable")
    }).pipe(Effect.provide(makeSocialGraphTest({ follows: [["a", "b"]], blocks: [["b", "a"]], unavailable: ["x"] }))))
})
