import { type Keypair, P256Keypair, Secp256k1Keypair } from "@atproto/crypto"
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Client as PlcClient } from "@did-plc/lib"
import { Effect, Layer, TestClock } from "effect"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll } from "vitest"
import { type LocalAccount, type LocalAtproto, startLocalAtproto } from "../../scripts/localAtproto.mjs"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { makeIdentityResolverLive } from "../../src/adapters/atproto/IdentityResolverLive"
import { JtiLedgerTest } from "../../src/adapters/memory/JtiLedgerTest"
import { ServiceAuthLive } from "../../src/adapters/atproto/ServiceAuthLive"
import { ServiceAuth } from "../../src/services/ServiceAuth"

const APPVIEW_DID = "did:web:localhost"
const SERVICE_ID = "#overlap_appview"
const LXM = "app.overlap.getOffers"

// --- the network: a real PLC + PDS, and a tiny "AppView" host the PDS can proxy to ---

interface AppViewHost {
  readonly did: string
  /** Authorization headers of the calls the PDS proxied here */
  readonly received: Array<string | undefined>
  readonly close: () => Promise<void>
}

/** Serves did:web:localhost%3A<port> (with an #overlap_appview service) and records proxied XRPC calls. */
const startAppViewHost = async (): Promise<AppViewHost> => {
  const received: Array<string | undefined> = []
  let did = ""
  const server = http.createServer((req, res) => {
    const { port } = server.address() as AddressInfo
    if (req.url === "/.well-known/did.json") {
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          "@context": ["https://www.w3.org/ns/did/v1"],
          id: did,
          service: [{ id: SERVICE_ID, type: "OverlapAppView", serviceEndpoint: `http://localhost:${port}` }]
        })
      )
    } else if (req.url?.startsWith(`/xrpc/${LXM}`)) {
      received.push(req.headers.authorization)
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  did = `did:web:localhost%3A${(server.address() as AddressInfo).port}`
  return { did, received, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

let network: LocalAtproto
let alice: LocalAccount
let appView: AppViewHost

beforeAll(async () => {
  const started = Date.now()
  ;[network, appView] = await Promise.all([startLocalAtproto(), startAppViewHost()])
  alice = await network.createAccount("alice")
  console.info(`local PLC + PDS + one account ready in ${Date.now() - started} ms`)
})

afterAll(async () => {
  await Promise.all([network?.close(), appView?.close()])
})

// --- layers: the real verifier over the real resolver, pointed at the local PLC ---

const verifierLayer = (requests: Array<string>, env: Partial<Env> = {}) => {
  const httpClient = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, HttpClient.tapRequest((request) => Effect.sync(() => requests.push(request.url))))
  ).pipe(Layer.provide(FetchHttpClient.layer))
  const envLayer = CloudflareEnv.layer({
    PLC_URL: network.plcUrl,
    DOH_URL: "http://127.0.0.1:9/dns-query",
    APPVIEW_DID,
    APPVIEW_SERVICE_ID: SERVICE_ID,
    ...env
  } as Env)
  return ServiceAuthLive.pipe(
    Layer.provide(Layer.merge(makeIdentityResolverLive(), JtiLedgerTest)),
    Layer.provide(Layer.merge(envLayer, httpClient))
  )
}

const verify = (authorization: string | undefined, lxm = LXM) => Effect.flatMap(ServiceAuth, (auth) => auth.verify(authorization, lxm))

/** The tag of the error `verify` fails with (fails the test if it succeeds). */
const rejection = (authorization: string | undefined, lxm = LXM) => Effect.map(Effect.flip(verify(authorization, lxm)), (error) => error._tag)

/** A token minted by the local PDS for alice (bare-DID audience: see ServiceAuthLive). */
const mint = (params: { aud?: string; lxm?: string; exp?: number } = {}) =>
  Effect.promise(() =>
    alice.agent.com.atproto.server.getServiceAuth({ aud: params.aud ?? APPVIEW_DID, lxm: params.lxm ?? LXM, exp: params.exp })
  ).pipe(Effect.map((res) => `Bearer ${res.data.token}`))

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")

/** Signs claims ourselves, for keys we hold (our own did:plc, unknown issuers, odd headers). */
const signJwt = async (keypair: Keypair, claims: Record<string, unknown>, header: Record<string, unknown> = { typ: "JWT", alg: keypair.jwtAlg }) => {
  const input = `${b64url(header)}.${b64url(claims)}`
  const signature = await keypair.sign(new TextEncoder().encode(input))
  return `Bearer ${input}.${Buffer.from(signature).toString("base64url")}`
}

const claimsFor = (iss: string, overrides: Record<string, unknown> = {}) => {
  const now = Math.floor(Date.now() / 1000)
  return { iss, aud: `${APPVIEW_DID}${SERVICE_ID}`, lxm: LXM, iat: now, exp: now + 60, jti: crypto.randomUUID(), ...overrides }
}

/** A did:plc we control, registered in the local PLC with a P-256 #atproto key. */
const registerP256Did = async () => {
  const plc = new PlcClient(network.plcUrl)
  const rotationKey = await Secp256k1Keypair.create()
  const signingKey = await P256Keypair.create()
  const did = await plc.createDid({
    signingKey: signingKey.did(),
    handle: `p256-${Date.now()}.test`,
    pds: network.pdsUrl,
    rotationKeys: [rotationKey.did()],
    signer: rotationKey
  })
  return {
    did,
    signingKey,
    rotate: async () => {
      const next = await P256Keypair.create()
      await plc.updateAtprotoKey(did, rotationKey, next.did())
      return next
    }
  }
}

const plcRequests = (requests: Array<string>) => requests.filter((url) => url.startsWith(network.plcUrl))

describe("ServiceAuthLive against a real local PDS", () => {
  it.live("accepts a token the PDS minted for this AppView and method, and names the caller", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const caller = yield* verify(yield* mint())
      expect(caller).toEqual({ did: alice.did })
      expect(plcRequests(requests)).toHaveLength(1)
    }).pipe(Effect.provide(verifierLayer(requests)))
  })

  it.live("accepts the token the PDS mints when it proxies a call (atproto-proxy header)", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const response = yield* Effect.promise(() =>
        fetch(`${network.pdsUrl}/xrpc/${LXM}`, {
          headers: { authorization: `Bearer ${alice.agent.session!.accessJwt}`, "atproto-proxy": `${appView.did}${SERVICE_ID}` }
        })
      )
      expect(response.status).toBe(200)
      const authorization = appView.received.at(-1)
      const payload = JSON.parse(Buffer.from(authorization!.split(".")[1]!, "base64url").toString())
      // PDS 0.4.x drops the service fragment from `aud` when it proxies: why the bare DID is accepted.
      expect(payload.aud).toBe(appView.did)
      expect(yield* verify(authorization)).toEqual({ did: alice.did })
    }).pipe(Effect.provide(verifierLayer(requests, { APPVIEW_DID: appView.did })))
  })

  it.live("refuses a token for another audience: BadJwtAudience", () =>
    Effect.gen(function* () {
      expect(yield* rejection(yield* mint({ aud: "did:web:other.example" }))).toBe("BadJwtAudience")
    }).pipe(Effect.provide(verifierLayer([]))))

  it.live("refuses a token for another method: BadJwtLexiconMethod", () =>
    Effect.gen(function* () {
      const token = yield* mint({ lxm: "app.overlap.getBooking" })
      expect(yield* rejection(token)).toBe("BadJwtLexiconMethod")
    }).pipe(Effect.provide(verifierLayer([]))))

  it.effect("refuses an expired token (Effect clock moved past exp + skew): JwtExpired", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.now())
      const token = yield* mint() // exp = iat + 60 s
      yield* TestClock.adjust("80 seconds")
      expect(yield* verify(token)).toEqual({ did: alice.did }) // still within exp + 30 s of skew
      const second = yield* mint()
      yield* TestClock.adjust("2 minutes")
      expect(yield* rejection(second)).toBe("JwtExpired")
    }).pipe(Effect.provide(verifierLayer([]))))

  it.effect("refuses a token issued in the future: BadJwtIssuedAt", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.now() - 5 * 60_000)
      expect(yield* rejection(yield* mint({ exp: Math.floor(Date.now() / 1000) + 600 }))).toBe("BadJwtIssuedAt")
    }).pipe(Effect.provide(verifierLayer([]))))

  it.live("refuses a replayed token: JwtReplayed", () =>
    Effect.gen(function* () {
      const token = yield* mint()
      expect(yield* verify(token)).toEqual({ did: alice.did })
      expect(yield* rejection(token)).toBe("JwtReplayed")
    }).pipe(Effect.provide(verifierLayer([]))))

  it.live("refuses a tampered token (payload changed, signature kept) after one key refresh: BadJwtSignature", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const [header, payload, signature] = (yield* mint()).slice("Bearer ".length).split(".") as [string, string, string]
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString())
      const tampered = `Bearer ${header}.${b64url({ ...claims, jti: "f".repeat(32) })}.${signature}`
      expect(yield* rejection(tampered)).toBe("BadJwtSignature")
      expect(plcRequests(requests)).toHaveLength(2) // the key, then one forced refresh
    }).pipe(Effect.provide(verifierLayer(requests)))
  })

  it.live("refuses a token from a DID the PLC does not know: UnknownIssuer", () =>
    Effect.gen(function* () {
      const stranger = yield* Effect.promise(() => Secp256k1Keypair.create())
      const token = yield* Effect.promise(() => signJwt(stranger, claimsFor("did:plc:abcdefghijklmnopqrstuvwx")))
      expect(yield* rejection(token)).toBe("UnknownIssuer")
    }).pipe(Effect.provide(verifierLayer([]))))

  it.live("refuses a missing or non-Bearer Authorization header: AuthMissing", () =>
    Effect.gen(function* () {
      expect(yield* rejection(undefined)).toBe("AuthMissing")
      expect(yield* rejection("")).toBe("AuthMissing")
      expect(yield* rejection("Basic YWRtaW46cGFzcw==")).toBe("AuthMissing")
    }).pipe(Effect.provide(verifierLayer([]))))

  it.live("refuses garbage without touching the network: BadJwt", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const key = yield* Effect.promise(() => Secp256k1Keypair.create())
      const claims = claimsFor(alice.did)
      const garbage = [
        "Bearer garbage",
        "Bearer a.b.c",
        "Bearer ...",
        `Bearer ${b64url({ alg: "ES256K" })}.${b64url(claims)}.`,
        yield* Effect.promise(() => signJwt(key, claims, { alg: "none" })),
        yield* Effect.promise(() => signJwt(key, claims, { typ: "JWT", alg: "HS256" })),
        yield* Effect.promise(() => signJwt(key, claims, { typ: "at+jwt", alg: "ES256K" })),
        yield* Effect.promise(() => signJwt(key, { ...claims, exp: "soon" })),
        yield* Effect.promise(() => signJwt(key, { ...claims, jti: undefined })),
        yield* Effect.promise(() => signJwt(key, { ...claims, iss: "alice" }))
      ]
      for (const token of garbage) {
        expect(yield* rejection(token), token).toBe("BadJwt")
      }
      expect(yield* rejection(yield* Effect.promise(() => signJwt(key, { ...claims, lxm: undefined })))).toBe("BadJwtLexiconMethod")
      expect(yield* rejection(yield* Effect.promise(() => signJwt(key, { ...claims, exp: claims.iat + 2 * 3600 })))).toBe("BadJwtLifetime")
      expect(yield* rejection(yield* Effect.promise(() => signJwt(key, { ...claims, aud: `${APPVIEW_DID}#bsky_appview` })))).toBe("BadJwtAudience")
      expect(requests).toEqual([])
    }).pipe(Effect.provide(verifierLayer(requests)))
  })

  it.live("accepts ES256: a did:plc with a P-256 #atproto key, aud with the service fragment", () =>
    Effect.gen(function* () {
      const account = yield* Effect.promise(registerP256Did)
      const token = yield* Effect.promise(() => signJwt(account.signingKey, claimsFor(account.did)))
      expect(token.split(".")[0]).toBe(`Bearer ${b64url({ typ: "JWT", alg: "ES256" })}`)
      expect(yield* verify(token)).toEqual({ did: account.did })
    }).pipe(Effect.provide(verifierLayer([]))))

  it.live("after the signing key rotates in PLC, a token from the new key is accepted with exactly one refresh", () => {
    const requests: Array<string> = []
    return Effect.gen(function* () {
      const account = yield* Effect.promise(registerP256Did)
      const before = yield* Effect.promise(() => signJwt(account.signingKey, claimsFor(account.did)))
      expect(yield* verify(before)).toEqual({ did: account.did })
      expect(plcRequests(requests)).toHaveLength(1)

      const newKey = yield* Effect.promise(account.rotate)
      const after = yield* Effect.promise(() => signJwt(newKey, claimsFor(account.did)))
      expect(yield* verify(after)).toEqual({ did: account.did })
      expect(plcRequests(requests)).toHaveLength(2)

      // the old key no longer signs for this DID (and no further refresh is spent on it right away)
      const stale = yield* Effect.promise(() => signJwt(account.signingKey, claimsFor(account.did)))
      expect(yield* rejection(stale)).toBe("BadJwtSignature")
      expect(plcRequests(requests)).toHaveLength(2)
    }).pipe(Effect.provide(verifierLayer(requests)))
  })
})
