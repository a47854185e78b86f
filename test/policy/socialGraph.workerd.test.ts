import { FetchHttpClient } from "@effect/platform"
import { env, fetchMock } from "cloudflare:test"
import { Effect, Layer } from "effect"
import { afterEach, beforeAll, describe, expect, it } from "vitest"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { makeSocialGraphLive, relationshipCacheKey } from "../../src/adapters/atproto/SocialGraphLive"
import { SocialGraph } from "../../src/services/SocialGraph"

// SocialGraphLive inside workerd over the real GRAPH_CACHE KV binding and the real fetch; the
// Bluesky AppView is fetchMock (no network): each interceptor answers once, so a second request
// would fail and show up as GraphUnavailable.
const HOST = "did:plc:wdhost0000000000000000000"
const GUEST = "did:plc:wdguest000000000000000000"
const APPVIEW = "https://public.api.bsky.app"

beforeAll(() => {
  fetchMock.activate()
  fetchMock.disableNetConnect()
})
afterEach(() => fetchMock.assertNoPendingInterceptors())

const requested: Array<string> = []
const answerOnce = (body: unknown) =>
  fetchMock
    .get(APPVIEW)
    .intercept({ path: (path) => path.startsWith("/xrpc/app.bsky.graph.getRelationships") })
    .reply((request) => {
      requested.push(request.path)
      return { statusCode: 200, data: JSON.stringify(body), responseOptions: { headers: { "content-type": "application/json" } } }
    })

const run = <A, E>(effect: Effect.Effect<A, E, SocialGraph>) =>
  Effect.runPromise(
    effect.pipe(
      Effect.provide(makeSocialGraphLive({ cacheTtlSeconds: 120 })),
      Effect.provide(Layer.merge(CloudflareEnv.layer(env), FetchHttpClient.layer))
    )
  )

describe("SocialGraphLive in workerd", () => {
  it("answers the second call for a pair from KV, without a request", async () => {
    requested.length = 0
    answerOnce({
      actor: HOST,
      relationships: [{ $type: "app.bsky.graph.defs#relationship", did: GUEST, followedBy: `at://${GUEST}/app.bsky.graph.follow/3k2a` }]
    })
    const before = Date.now()
    const [first, second] = await run(
      Effect.flatMap(SocialGraph, (graph) => Effect.all([graph.relationship(HOST, GUEST), graph.relationship(HOST, GUEST)]))
    )
    const expected = { following: false, followedBy: true, blocking: false, blockedBy: false }
    expect(first).toEqual(expected)
    expect(second).toEqual(expected)
    expect(requested).toEqual([
      `/xrpc/app.bsky.graph.getRelationships?actor=${encodeURIComponent(HOST)}&others=${encodeURIComponent(GUEST)}`
    ])

    const key = relationshipCacheKey(HOST, GUEST)
    expect(JSON.parse((await env.GRAPH_CACHE.get(key)) ?? "null")).toEqual(expected)
    const listed = await env.GRAPH_CACHE.list({ prefix: "rel:v1:" })
    const entry = listed.keys.find((k) => k.name === key)
    // stored with a 120 s expiration
    expect(entry?.expiration).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 119)
    expect(entry?.expiration).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 121)
  })

  it("a fresh layer (another isolate) still hits the KV entry", async () => {
    await env.GRAPH_CACHE.put(relationshipCacheKey(HOST, GUEST), JSON.stringify({ following: true, followedBy: true, blocking: false, blockedBy: true }))
    const r = await run(Effect.flatMap(SocialGraph, (graph) => graph.relationship(HOST, GUEST)))
    expect(r.blockedBy).toBe(true)
  })
})
