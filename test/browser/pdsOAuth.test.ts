// Real Chromium through the local PDS's real OAuth pages (test/support/browser.ts): a loopback client pushes an
// authorization request (PAR, PKCE S256, DPoP ES256) asking for Overlap's permission set, the browser signs in and
// approves, and lands on a redirect URI served here. The code is then exchanged, and the token is held to exactly
// what app.overlap.authFull grants: Overlap's collections and service-auth for the AppView's methods, nothing else.
// Hand-rolled OAuth client (node:crypto) for this test only; the app's client lives in the sign-in feature.
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from "node:crypto"
import http from "node:http"
import type { AddressInfo } from "node:net"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type LocalAccount, type LocalAtproto, startLocalAtproto } from "../../scripts/localAtproto.mjs"
import { launchBrowser, newContext, screenshot, signInOnPds } from "../support/browser"

const APPVIEW_AUDIENCE = "did:web:overlap.localhost#overlap_appview"

// --- a redirect URI on a free port that records what the authorization server sends back ---

interface Callback {
  readonly url: string
  readonly received: Array<URLSearchParams>
  readonly close: () => Promise<void>
}
const startCallback = async (): Promise<Callback> => {
  const received: Array<URLSearchParams> = []
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    if (url.pathname !== "/callback") return void res.writeHead(404).end()
    received.push(url.searchParams)
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>Signed in</title><h1>Signed in</h1>")
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

// --- DPoP (RFC 9449) with ES256, and the nonce retry ---

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url")
const dpopKey = generateKeyPairSync("ec", { namedCurve: "P-256" })
const { kty, crv, x, y } = dpopKey.publicKey.export({ format: "jwk" })
let dpopNonce: string | undefined

const dpopProof = (method: string, url: string, accessToken?: string) => {
  const header = b64url(JSON.stringify({ typ: "dpop+jwt", alg: "ES256", jwk: { kty, crv, x, y } }))
  const htu = new URL(url)
  const payload = b64url(
    JSON.stringify({
      jti: randomUUID(),
      htm: method,
      htu: `${htu.origin}${htu.pathname}`,
      iat: Math.floor(Date.now() / 1000),
      ...(dpopNonce === undefined ? {} : { nonce: dpopNonce }),
      ...(accessToken === undefined ? {} : { ath: b64url(createHash("sha256").update(accessToken).digest()) })
    })
  )
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), { key: dpopKey.privateKey, dsaEncoding: "ieee-p1363" })
  return `${header}.${payload}.${b64url(signature)}`
}

/** fetch with a DPoP proof; retries once when the server asks for a (new) nonce. */
const dpopFetch = async (url: string, init: { method: string; body?: string; contentType?: string; accessToken?: string }) => {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, {
      method: init.method,
      headers: {
        DPoP: dpopProof(init.method, url, init.accessToken),
        ...(init.contentType === undefined ? {} : { "content-type": init.contentType }),
        ...(init.accessToken === undefined ? {} : { authorization: `DPoP ${init.accessToken}` })
      },
      ...(init.body === undefined ? {} : { body: init.body })
    })
    const nonce = res.headers.get("dpop-nonce")
    if (nonce !== null) dpopNonce = nonce
    const wantsNonce = (res.status === 400 || res.status === 401) && nonce !== null && (await res.clone().text()).includes("use_dpop_nonce")
    if (!wantsNonce || attempt > 0) return res
  }
}
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()

// ---

let network: LocalAtproto
let carol: LocalAccount
let callback: Callback
let browser: Browser

beforeAll(async () => {
  ;[network, callback, browser] = await Promise.all([startLocalAtproto(), startCallback(), launchBrowser()])
  carol = await network.createAccount("carol")
}, 180_000) // a loaded CI box takes long to load @atproto/pds
afterAll(async () => {
  await Promise.allSettled([browser?.close(), callback?.close(), network?.close()])
})

/** Pushes an authorization request (PAR) for the loopback client and returns where to send the browser. */
const pushRequest = async (loginHint: string | undefined) => {
  const scope = `atproto include:${network.permissionSet}?aud=${encodeURIComponent(APPVIEW_AUDIENCE)}`
  const clientId = `http://localhost?${form({ redirect_uri: callback.url, scope })}`
  const verifier = b64url(randomBytes(32))
  const state = b64url(randomBytes(16))
  const par = await dpopFetch(`${network.pdsUrl}/oauth/par`, {
    method: "POST",
    contentType: "application/x-www-form-urlencoded",
    body: form({
      client_id: clientId,
      response_type: "code",
      redirect_uri: callback.url,
      scope,
      state,
      code_challenge: b64url(createHash("sha256").update(verifier).digest()),
      code_challenge_method: "S256",
      ...(loginHint === undefined ? {} : { login_hint: loginHint })
    })
  })
  expect(par.status, await par.clone().text()).toBe(201)
  const { request_uri } = (await par.json()) as { request_uri: string }
  return { clientId, verifier, state, authorizeUrl: `${network.pdsUrl}/oauth/authorize?${form({ client_id: clientId, request_uri })}` }
}

describe("signing in through the local PDS's OAuth pages in Chromium", () => {
  it("without a login hint the handle is typed in; Deny sends the browser back with access_denied", async () => {
    const dave = await network.createAccount("dave")
    const { state, authorizeUrl } = await pushRequest(undefined)
    const context = await newContext(browser, { viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    await page.goto(authorizeUrl)
    const before = callback.received.length
    const result = await signInOnPds(page, { handle: dave.handle, password: network.accountPassword, consent: "deny", screenshotPrefix: "pds-oauth-deny" })
    await context.close()
    expect(result.consentShown).toBe(true)
    const params = callback.received[before]!
    expect(params.get("state")).toBe(state)
    expect(params.get("error")).toBe("access_denied")
    expect(params.get("code")).toBeNull()
  })

  it("asks for include:app.overlap.authFull, signs in, approves, and gets exactly what the set grants", async () => {
    const { clientId, verifier, state, authorizeUrl } = await pushRequest(carol.handle)
    const before = callback.received.length
    const context = await newContext(browser, { timezoneId: "Europe/Berlin" })
    const page = await context.newPage()
    await page.goto(authorizeUrl)
    const result = await signInOnPds(page, { handle: carol.handle, password: network.accountPassword, screenshotPrefix: "pds-oauth" })
    expect(result.consentShown).toBe(true)
    // the consent page shows the permission set by its title, resolved from the lexicon authority's record
    expect(result.consentText).toContain("Schedule meetings with Overlap")
    expect(page.url().startsWith(callback.url)).toBe(true)
    await screenshot(page, "pds-oauth-callback")
    await context.close()

    expect(callback.received).toHaveLength(before + 1)
    const params = callback.received[before]!
    expect(params.get("state")).toBe(state)
    expect(params.get("iss")).toBe(network.pdsUrl)
    const code = params.get("code")
    expect(code).toBeTruthy()

    const token = await dpopFetch(`${network.pdsUrl}/oauth/token`, {
      method: "POST",
      contentType: "application/x-www-form-urlencoded",
      body: form({ grant_type: "authorization_code", code: code!, redirect_uri: callback.url, code_verifier: verifier, client_id: clientId })
    })
    expect(token.status, await token.clone().text()).toBe(200)
    const tokens = (await token.json()) as { access_token: string; token_type: string; sub: string; scope: string }
    expect(tokens.token_type).toBe("DPoP")
    expect(tokens.sub).toBe(carol.did)

    const xrpc = (method: "GET" | "POST", nsid: string, body?: unknown, query = "") =>
      dpopFetch(`${network.pdsUrl}/xrpc/${nsid}${query}`, {
        method,
        accessToken: tokens.access_token,
        ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: "application/json" })
      })
    const createRecord = (collection: string) =>
      xrpc("POST", "com.atproto.repo.createRecord", {
        repo: carol.did,
        collection,
        record: { $type: collection, text: "scope probe", createdAt: new Date().toISOString() }
      })
    const serviceAuth = (lxm: string) => xrpc("GET", "com.atproto.server.getServiceAuth", undefined, `?${form({ aud: APPVIEW_AUDIENCE, lxm })}`)

    // granted by the set: an Overlap collection, and service-auth to the AppView for an Overlap method
    const offer = await createRecord("app.overlap.slotOffer")
    expect(offer.status, await offer.clone().text()).toBe(200)
    const minted = await serviceAuth("app.overlap.getOffers")
    expect(minted.status, await minted.clone().text()).toBe(200)
    // not granted: another app's collection, another method
    const post = await createRecord("app.bsky.feed.post")
    expect(post.status).toBe(403)
    const other = await serviceAuth("app.bsky.feed.getTimeline")
    expect(other.status).toBe(403)
  })
})
