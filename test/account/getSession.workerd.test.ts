import { env, fetchMock, SELF } from "cloudflare:test"
import { Effect } from "effect"
import { afterEach, beforeAll, describe, expect, it } from "vitest"
import { WebSessionsLive } from "../../src/adapters/d1/WebSessionsLive"
import { makeDidDocument } from "../../src/adapters/memory/IdentityResolverTest"
import { sessionCookieName } from "../../src/domain/signin/webSession"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { WebSessions } from "../../src/services/WebSessions"
import { makeAccount, type TestAccount } from "../api/xrpcTestKit"

/**
 * app.overlap.account.getSession through the AppView worker's own fetch (SELF) inside workerd: who the caller is,
 * with a browser session cookie or service auth. The PLC directory, DNS-over-HTTPS and a handle's host are fetchMock
 * (no network): the DID documents name the handles. On the old code the method did not exist (501).
 */

const testEnv = env as unknown as Env
const NSID = "app.overlap.account.getSession"
const PLC_ORIGIN = new URL(env.PLC_URL).origin
const AUDIENCE = `${env.APPVIEW_DID}${env.APPVIEW_SERVICE_ID}`

let withHandle: TestAccount
let unverified: TestAccount
let viaToken: TestAccount
let verifiedWeb: TestAccount

beforeAll(async () => {
  withHandle = await makeAccount("whoamisessionhandle")
  unverified = await makeAccount("whoamiunverified")
  viaToken = await makeAccount("whoamiservicetoken")
  verifiedWeb = await makeAccount("whoamiverifiedweb")
})

afterEach(() => {
  fetchMock.deactivate()
})

const serveIdentities = () => {
  fetchMock.activate()
  fetchMock.disableNetConnect()
  const plc = fetchMock.get(PLC_ORIGIN)
  const documents = [
    // a `.test` handle of the local PDS is taken as it is in development (as PeopleNamesLive does)
    makeDidDocument({ did: withHandle.did, signingKey: withHandle.keypair.did(), handle: "alice-getsession.test" }),
    // a handle whose domain points at another DID (no TXT record; its well-known names someone else): never shown
    makeDidDocument({ did: unverified.did, signingKey: unverified.keypair.did(), handle: "mallory.example.com" }),
    makeDidDocument({ did: viaToken.did, signingKey: viaToken.keypair.did(), handle: "bob-getsession.test" }),
    // a handle whose host names this same DID: verified both ways, shown
    makeDidDocument({ did: verifiedWeb.did, signingKey: verifiedWeb.keypair.did(), handle: "carol.example.com" })
  ]
  for (const document of documents) {
    plc.intercept({ path: `/${document.id}`, method: "GET" }).reply(200, JSON.stringify(document), {
      headers: { "content-type": "application/did+ld+json" }
    }).persist()
  }
  fetchMock.get(new URL(env.DOH_URL).origin).intercept({ path: (p) => p.includes("example.com"), method: "GET" })
    .reply(200, JSON.stringify({ Status: 3 }), { headers: { "content-type": "application/dns-json" } }).persist()
  fetchMock.get("https://carol.example.com").intercept({ path: "/.well-known/atproto-did", method: "GET" })
    .reply(200, verifiedWeb.did, { headers: { "content-type": "text/plain" } }).persist()
  fetchMock.get("https://mallory.example.com").intercept({ path: "/.well-known/atproto-did", method: "GET" })
    .reply(200, viaToken.did, { headers: { "content-type": "text/plain" } }).persist()
}

const newSession = (did: string) =>
  Effect.runPromise(Effect.flatMap(WebSessions, (s) => s.create(did, "vitest")).pipe(
    Effect.provide(WebSessionsLive),
    Effect.provide(CloudflareEnv.layer(testEnv))
  ))

interface Answer {
  readonly status: number
  readonly body: {
    error?: string
    did?: string
    handle?: string
    via?: string
    signedInAt?: string
    lastSeenAt?: string
    expiresAt?: string
  }
}

const getSession = async (headers: Record<string, string> = {}): Promise<Answer> => {
  const response = await SELF.fetch(`http://127.0.0.1/xrpc/${NSID}`, { headers })
  return { status: response.status, body: (await response.json()) as Answer["body"] }
}

describe("app.overlap.account.getSession", () => {
  it("without a session or a token: 401, and a forged cookie is 401 SessionInvalid", async () => {
    serveIdentities()
    const anonymous = await getSession()
    expect(anonymous.status).toBe(401)
    expect(anonymous.body.did).toBeUndefined()
    const forged = await getSession({ cookie: `${sessionCookieName(false)}=${"A".repeat(43)}` })
    expect([forged.status, forged.body.error]).toEqual([401, "SessionInvalid"])
  })

  it("a browser session: its DID, the handle its DID document names, and when it signed in", async () => {
    serveIdentities()
    const before = Date.now()
    const session = await newSession(withHandle.did)
    const answer = await getSession({ cookie: `${sessionCookieName(false)}=${session.id}` })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ did: withHandle.did, handle: "alice-getsession.test", via: "session" })
    const signedInAt = Date.parse(answer.body.signedInAt ?? "")
    expect(signedInAt).toBeGreaterThanOrEqual(before - 1000)
    expect(signedInAt).toBeLessThanOrEqual(Date.now())
    expect(Date.parse(answer.body.lastSeenAt ?? "")).toBeGreaterThanOrEqual(signedInAt)
    expect(Date.parse(answer.body.expiresAt ?? "")).toBe(session.expiresAt)
  })

  it("another person's session answers with their own DID, never the first one's", async () => {
    serveIdentities()
    const session = await newSession(unverified.did)
    const answer = await getSession({ cookie: `${sessionCookieName(false)}=${session.id}` })
    expect(answer.status).toBe(200)
    expect(answer.body.did).toBe(unverified.did)
    // mallory.example.com cannot be resolved back to this DID: the handle is left out, not trusted
    expect(answer.body.handle).toBeUndefined()
    expect(answer.body.via).toBe("session")
    // while a handle that points back at its DID is shown
    const verified = await getSession({ cookie: `${sessionCookieName(false)}=${(await newSession(verifiedWeb.did)).id}` })
    expect([verified.status, verified.body.did, verified.body.handle]).toEqual([200, verifiedWeb.did, "carol.example.com"])
  })

  it("service auth: the token's issuer, with its handle, and no browser-session times", async () => {
    serveIdentities()
    const token = await viaToken.token(NSID, { aud: AUDIENCE })
    const answer = await getSession({ authorization: `Bearer ${token}` })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ did: viaToken.did, handle: "bob-getsession.test", via: "serviceAuth" })
    expect(answer.body.signedInAt).toBeUndefined()
    // a token for another method is refused (lxm)
    const other = await getSession({ authorization: `Bearer ${await viaToken.token("app.overlap.listBookings", { aud: AUDIENCE })}` })
    expect(other.status).toBe(401)
  })
})
