import { P256Keypair } from "@atproto/crypto"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll } from "vitest"
import { type LocalAccount, type LocalAtproto, startLocalAtproto } from "../../scripts/localAtproto.mjs"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { makeIdentityResolverLive } from "../../src/adapters/atproto/IdentityResolverLive"
import { makeDidDocument, makeIdentityResolverTest, TestIdentities } from "../../src/adapters/memory/IdentityResolverTest"
import { IdentityResolver } from "../../src/services/IdentityResolver"

// --- a local stand-in for "the internet": did:web hosts, handle hosts and a DNS-over-HTTPS resolver ---

interface FakeInternet {
  readonly port: number
  /** path (after host rewriting) → [status, content-type, body] */
  readonly routes: Map<string, readonly [number, string, string]>
  /** `_atproto.<handle>` → DoH JSON answer */
  readonly dns: Map<string, unknown>
  readonly close: () => Promise<void>
}

const startFakeInternet = async (): Promise<FakeInternet> => {
  const routes = new Map<string, readonly [number, string, string]>()
  const dns = new Map<string, unknown>()
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    if (url.pathname === "/dns-query") {
      if (req.headers.accept !== "application/dns-json" || url.searchParams.get("type") !== "TXT") {
        res.writeHead(400).end()
        return
      }
      const answer = dns.get(url.searchParams.get("name") ?? "") ?? { Status: 3 }
      res.writeHead(200, { "content-type": "application/dns-json" }).end(JSON.stringify(answer))
      return
    }
    const [status, type, body] = routes.get(url.pathname) ?? [404, "text/plain", "not found"]
    if (status >= 300 && status < 400) {
      res.writeHead(status, { location: body }).end()
      return
    }
    res.writeHead(status, { "content-type": type }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    port: (server.address() as AddressInfo).port,
    routes,
    dns,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

const json = (body: unknown) => [200, "application/json", JSON.stringify(body)] as const

let network: LocalAtproto
let internet: FakeInternet
let alice: LocalAccount

beforeAll(async () => {
  ;[network, internet] = await Promise.all([startLocalAtproto(), startFakeInternet()])
  alice = await network.createAccount("alice")
})

afterAll(async () => {
  await Promise.all([network?.close(), internet?.close()])
})

/**
 * Fetch, with every https:// host routed to the fake internet under /<host>/… (a DNS override, in effect),
 * and a log of every URL requested.
 */
const makeHttp = (requests: Array<string>) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      client.pipe(
        HttpClient.mapRequest((request) => {
          const url = new URL(request.url)
          return url.protocol === "https:"
            ? HttpClientRequest.setUrl(request, `http://127.0.0.1:${internet.port}/${url.host}${url.pathname}`)
            : request
        }),
        HttpClient.tapRequest((request) => Effect.sync(() => requests.push(request.url)))
      )
    )
  ).pipe(Layer.provide(FetchHttpClient.layer))

const envLayer = (overrides: Partial<Env> = {}) =>
  CloudflareEnv.layer({
    PLC_URL: network.plcUrl,
    DOH_URL: `http://127.0.0.1:${internet.port}/dns-query`,
    APPVIEW_DID: "did:web:localhost",
    APPVIEW_SERVICE_ID: "#overlap_appview",
    ...overrides
  } as Env)

/** A fresh resolver (fresh cache) per test, recording the URLs it fetches. */
const liveResolver = (requests: Array<string>, env: Partial<Env> = {}) =>
  makeIdentityResolverLive({ requestTimeout: "2 seconds" }).pipe(Layer.provide(Layer.merge(envLayer(env), makeHttp(requests))))

const unknownPlc = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"

describe("IdentityResolverLive", () => {
  it.live("resolves a did:plc from the PLC directory: document, signing key, PDS", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const resolver = yield* IdentityResolver
      const doc = yield* resolver.resolveDid(alice.did)
      expect(doc.id).toBe(alice.did)
      expect(doc.alsoKnownAs).toContain("at://alice.test")
      expect(yield* resolver.getPdsEndpoint(alice.did)).toBe(network.pdsUrl)

      // The PLC serves the legacy key form; the did:key must equal the one the PDS signs with.
      const credentials = yield* Effect.promise(() => alice.agent.com.atproto.identity.getRecommendedDidCredentials())
      const expected = (credentials.data.verificationMethods as { atproto: string }).atproto
      expect(yield* resolver.getSigningKey(alice.did)).toBe(expected)
      expect(requests).toEqual([`${network.plcUrl}/${alice.did}`])
    }).pipe(Effect.provide(liveResolver(requests)))
  })

  it.live("caches a document: later reads make no request; forceRefresh fetches again", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const resolver = yield* IdentityResolver
      yield* resolver.resolveDid(alice.did)
      yield* resolver.getSigningKey(alice.did)
      yield* resolver.getPdsEndpoint(alice.did)
      expect(requests).toHaveLength(1)
      yield* resolver.getSigningKey(alice.did, { forceRefresh: true })
      expect(requests).toHaveLength(2)
      // a second forced refresh within the minimum interval is served from the cache
      yield* resolver.getSigningKey(alice.did, { forceRefresh: true })
      expect(requests).toHaveLength(2)
      yield* resolver.invalidate(alice.did)
      yield* resolver.resolveDid(alice.did)
      expect(requests).toHaveLength(3)
    }).pipe(Effect.provide(liveResolver(requests)))
  })

  it.live("a DID the PLC does not know is DidNotFound, and the miss is cached briefly", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const resolver = yield* IdentityResolver
      const error = yield* Effect.flip(resolver.resolveDid(unknownPlc))
      expect(error._tag).toBe("DidNotFound")
      yield* Effect.sleep("5 millis") // an uncached miss would expire by now
      const again = yield* Effect.flip(resolver.getSigningKey(unknownPlc))
      expect(again._tag).toBe("DidNotFound")
      expect(requests).toHaveLength(1)
    }).pipe(Effect.provide(liveResolver(requests)))
  })

  it.live("resolves did:web over http for a loopback host with a port", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const key = yield* Effect.promise(() => P256Keypair.create())
      const did = `did:web:localhost%3A${internet.port}`
      internet.routes.set(
        "/.well-known/did.json",
        json({
          "@context": ["https://www.w3.org/ns/did/v1"],
          ...makeDidDocument({ did, signingKey: key.did(), handle: "web.example", pdsEndpoint: "https://pds.example" })
        })
      )
      const resolver = yield* IdentityResolver
      expect(yield* resolver.getSigningKey(did)).toBe(key.did())
      expect(yield* resolver.getPdsEndpoint(did)).toBe("https://pds.example")
      expect(requests).toEqual([`http://localhost:${internet.port}/.well-known/did.json`])
    }).pipe(Effect.provide(liveResolver(requests, { ENVIRONMENT: "development" })))
  })

  it.live("a malformed or foreign document is DidDocumentInvalid", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      internet.routes.set("/bad.example.com/.well-known/did.json", json({ id: 5, verificationMethod: "nope" }))
      internet.routes.set("/notjson.example.com/.well-known/did.json", [200, "application/json", "{not json"])
      internet.routes.set("/foreign.example.com/.well-known/did.json", json({ id: "did:web:someone.else" }))
      internet.routes.set("/nokey.example.com/.well-known/did.json", json({ id: "did:web:nokey.example.com" }))
      const resolver = yield* IdentityResolver
      for (const did of ["did:web:bad.example.com", "did:web:notjson.example.com", "did:web:foreign.example.com"]) {
        const error = yield* Effect.flip(resolver.resolveDid(did))
        expect(error._tag, did).toBe("DidDocumentInvalid")
      }
      const noKey = yield* Effect.flip(resolver.getSigningKey("did:web:nokey.example.com"))
      expect(noKey._tag).toBe("DidDocumentInvalid")
      expect(noKey.message).toContain("#atproto")
    }).pipe(Effect.provide(liveResolver(requests)))
  })

  it.live("outside development, did:web is fetched only over https from a public name on the default port", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const resolver = yield* IdentityResolver
      const refused = [
        `did:web:localhost%3A${internet.port}`,
        `did:web:127.0.0.1%3A${internet.port}`,
        "did:web:127.0.0.1",
        "did:web:2130706433",
        "did:web:metadata.google.internal",
        "did:web:printer.local",
        "did:web:intranet",
        "did:web:public.example.com%3A8443"
      ]
      for (const did of refused) {
        const error = yield* Effect.flip(resolver.resolveDid(did))
        expect(error._tag, did).toBe("DidNotFound")
        expect(error.message, did).toContain("public host name")
      }
      expect(requests).toEqual([])
    }).pipe(Effect.provide(liveResolver(requests, { ENVIRONMENT: "production" })))
  })

  it.live("an identity answer larger than 64 KiB is refused unread, declared or streamed, and never quoted", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const key = yield* Effect.promise(() => P256Keypair.create())
      const did = "did:web:huge.example.com"
      const padding = "SECRET-INTERNAL-DATA ".repeat(20_000) // ~420 KiB
      internet.routes.set(
        "/huge.example.com/.well-known/did.json",
        json({ ...makeDidDocument({ did, signingKey: key.did() }), padding })
      )
      const resolver = yield* IdentityResolver
      const error = yield* Effect.flip(resolver.resolveDid(did))
      expect(error._tag).toBe("IdentityUnavailable")
      expect(error.message).toContain("more than 65536 bytes")
      expect(error.message).not.toContain("SECRET")
    }).pipe(Effect.provide(liveResolver(requests, { ENVIRONMENT: "production" })))
  })

  it.live("a rejected document's content never appears in the error (it reaches the caller's 401)", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      internet.routes.set("/leak.example.com/.well-known/did.json", json({ id: "did:web:SECRET-FROM-INSIDE", verificationMethod: [] }))
      internet.routes.set("/leak2.example.com/.well-known/did.json", json({ id: 7, alsoKnownAs: ["SECRET-FROM-INSIDE"] }))
      const resolver = yield* IdentityResolver
      for (const did of ["did:web:leak.example.com", "did:web:leak2.example.com"]) {
        const error = yield* Effect.flip(resolver.resolveDid(did))
        expect(error._tag, did).toBe("DidDocumentInvalid")
        expect(error.message, did).not.toContain("SECRET")
      }
    }).pipe(Effect.provide(liveResolver(requests, { ENVIRONMENT: "production" })))
  })

  it.live("does not follow redirects: a did:web host must answer itself", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const key = yield* Effect.promise(() => P256Keypair.create())
      const did = "did:web:moved.example.com"
      internet.routes.set("/elsewhere/did.json", json(makeDidDocument({ did, signingKey: key.did() })))
      internet.routes.set("/moved.example.com/.well-known/did.json", [302, "text/plain", `http://127.0.0.1:${internet.port}/elsewhere/did.json`])
      const resolver = yield* IdentityResolver
      expect((yield* Effect.flip(resolver.resolveDid(did)))._tag).toBe("DidNotFound")
    }).pipe(Effect.provide(liveResolver(requests)))
  })

  it.live("refuses unsupported DID methods without a request", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const resolver = yield* IdentityResolver
      for (const did of ["did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", "did:web:host.example:path", "alice"]) {
        const error = yield* Effect.flip(resolver.resolveDid(did))
        expect(error._tag, did).toBe("UnsupportedDidMethod")
      }
      expect(requests).toEqual([])
    }).pipe(Effect.provide(liveResolver(requests)))
  })

  it.live("an unreachable PLC is IdentityUnavailable and is not cached", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const resolver = yield* IdentityResolver
      const first = yield* Effect.flip(resolver.resolveDid(alice.did))
      expect(first._tag).toBe("IdentityUnavailable")
      yield* Effect.flip(resolver.resolveDid(alice.did))
      // each lookup tries a refused connection twice (one retry); the second resolve looks up again: 2 × 2
      expect(requests).toHaveLength(4)
    }).pipe(Effect.provide(liveResolver(requests, { PLC_URL: "http://127.0.0.1:9" })))
  })

  it.live("resolves a handle via https://<handle>/.well-known/atproto-did", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      internet.routes.set("/wk.example/.well-known/atproto-did", [200, "text/plain", `${alice.did}\n`])
      const resolver = yield* IdentityResolver
      expect(yield* resolver.resolveHandle("WK.example")).toBe(alice.did)
      expect(yield* resolver.resolveHandle("wk.example")).toBe(alice.did)
      // one DoH query (NXDOMAIN) and one well-known fetch, then the cache
      expect(requests.filter((url) => url.includes("dns-query"))).toHaveLength(1)
      expect(requests.filter((url) => url.includes("atproto-did"))).toHaveLength(1)
    }).pipe(Effect.provide(liveResolver(requests)))
  })

  it.live("resolves a handle via DNS-over-HTTPS TXT _atproto.<handle>, preferring DNS over the well-known", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      internet.dns.set("_atproto.dns.example", {
        Status: 0,
        Answer: [
          { name: "_atproto.dns.example", type: 16, TTL: 300, data: `"did=${alice.did}"` },
          { name: "_atproto.dns.example", type: 16, TTL: 300, data: '"some-other=record"' }
        ]
      })
      internet.routes.set("/dns.example/.well-known/atproto-did", [200, "text/plain", unknownPlc])
      const resolver = yield* IdentityResolver
      expect(yield* resolver.resolveHandle("dns.example")).toBe(alice.did)
    }).pipe(Effect.provide(liveResolver(requests)))
  })

  it.live("a handle nobody claims is HandleNotFound; a failing DNS resolver is IdentityUnavailable", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      internet.dns.set("_atproto.servfail.example", { Status: 2 })
      const resolver = yield* IdentityResolver
      expect((yield* Effect.flip(resolver.resolveHandle("nobody.example")))._tag).toBe("HandleNotFound")
      expect((yield* Effect.flip(resolver.resolveHandle("not a handle")))._tag).toBe("HandleNotFound")
      expect((yield* Effect.flip(resolver.resolveHandle("servfail.example")))._tag).toBe("IdentityUnavailable")
    }).pipe(Effect.provide(liveResolver(requests)))
  })
})

describe("IdentityResolverTest", () => {
  it.effect("serves fixtures and keeps the Live layer's errors", () =>
    Effect.gen(function* () {
      const key = yield* Effect.promise(() => P256Keypair.create())
      const did = "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"
      const fixtures = makeIdentityResolverTest({
        documents: [makeDidDocument({ did, signingKey: key.did(), handle: "bob.example", pdsEndpoint: "https://pds.example" })],
        handles: { "bob.example": did }
      })
      yield* Effect.gen(function* () {
        const resolver = yield* IdentityResolver
        expect(yield* resolver.getSigningKey(did)).toBe(key.did())
        expect(yield* resolver.getPdsEndpoint(did)).toBe("https://pds.example")
        expect(yield* resolver.resolveHandle("Bob.example")).toBe(did)
        expect((yield* Effect.flip(resolver.resolveDid(unknownPlc)))._tag).toBe("DidNotFound")
        expect((yield* Effect.flip(resolver.resolveDid("did:key:z123")))._tag).toBe("UnsupportedDidMethod")
        expect((yield* Effect.flip(resolver.resolveHandle("nobody.example")))._tag).toBe("HandleNotFound")

        const rotated = yield* Effect.promise(() => P256Keypair.create())
        yield* (yield* TestIdentities).putDocument(makeDidDocument({ did, signingKey: rotated.did() }))
        expect(yield* resolver.getSigningKey(did)).toBe(rotated.did())
        expect(Either.isLeft(yield* Effect.either(resolver.getPdsEndpoint(did)))).toBe(true)
      }).pipe(Effect.provide(fixtures))
    })
  )
})
