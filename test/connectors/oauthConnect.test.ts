import { describe, expect, it } from "@effect/vitest"
import { Effect, Runtime } from "effect"
import { afterEach, beforeEach } from "vitest"
import { makeTokenVault } from "../../src/adapters/crypto/TokenVaultLive"
import { handleOAuthRoute, type OAuthRouteServices } from "../../src/features/connectors/oauthCallback"
import { ConnectorsRepo } from "../../src/services/ConnectorsRepo"
import { OAuthClient, type OAuthProvider } from "../../src/services/OAuthClient"
import { TokenVault } from "../../src/services/TokenVault"
import { connectorHarness } from "../support/connectorHarness"
import { type FakeGoogle, startFakeGoogle } from "../support/fakeGoogle"
import { type FakeGraph, startFakeGraph } from "../support/fakeGraph"
import { confirmationForm, consentAt, cookieOf, makeBrowser, type Route } from "./oauthBrowser"

/**
 * Issue 12, item 6: an OAuth connect is bound to the browser that started it and confirmed there before anything
 * is stored. The AppView's routes (begin → provider → callback page → confirmation POST) through
 * `handleOAuthRoute`, with the real OAuthClientLive against the local Google and Microsoft fakes.
 */

const ALICE = "did:plc:alice00000000000000000000"
const MALLORY = "did:plc:mallory000000000000000000"

let google: FakeGoogle
let graph: FakeGraph

beforeEach(async () => {
  google = await startFakeGoogle()
  graph = await startFakeGraph()
})
afterEach(async () => {
  expect(google.malformed).toEqual([])
  expect(graph.malformed).toEqual([])
  await google.close()
  await graph.close()
})

const codeExchanges = () =>
  [...google.requests, ...graph.requests].filter((r) => r.method === "POST" && /\/token$/.test(r.path) && new URLSearchParams(r.body).get("grant_type") === "authorization_code")

/** The harness's services, and the AppView's OAuth routes over them. */
const withRoutes = <A, E>(body: (route: Route) => Effect.Effect<A, E, OAuthRouteServices>) => {
  const h = connectorHarness({ google, graph })
  return Effect.gen(function*() {
    const runtime = yield* Effect.runtime<OAuthRouteServices>()
    return yield* body((request) => Runtime.runPromise(runtime)(handleOAuthRoute(request)))
  }).pipe(Effect.provide(h.layer))
}

/** What connector.start answers for `did`: the one-time begin link. */
const startLink = (provider: OAuthProvider, did: string) => Effect.map(Effect.flatMap(OAuthClient, (o) => o.start(provider, did)), (s) => s.authorizationUrl)

const stored = (did: string) => Effect.flatMap(ConnectorsRepo, (repo) => repo.listForDid(did))

const text = (response: Response) => Effect.promise(() => response.text())

describe("OAuth connect: bound to the browser, confirmed before anything is stored", () => {
  for (const provider of ["google", "microsoft"] as const) {
    it.effect(`${provider}: begin sets the flow cookie; the callback GET only asks; the confirmation POST connects`, () =>
      withRoutes((route) =>
        Effect.gen(function*() {
          const browser = makeBrowser(route)
          const link = yield* startLink(provider, ALICE)
          expect(link).toMatch(new RegExp(`^https://overlap\\.test/oauth/${provider}/begin\\?ticket=[A-Za-z0-9_-]{43}$`))
          const begun = yield* Effect.promise(() => route(new Request(link)))
          expect(begun.status).toBe(302)
          const atProvider = begun.headers.get("location")!
          expect(new URL(atProvider).origin).toBe(provider === "google" ? google.url : graph.url)
          const { pair, attributes } = cookieOf(begun)
          expect(pair).toMatch(new RegExp(`^__Host-overlap-oauth-${provider}=[A-Za-z0-9_-]{43}$`))
          expect(attributes).toEqual(["Path=/", "Max-Age=600", "HttpOnly", "Secure", "SameSite=Lax"])
          browser.cookie = pair
          // the link works once
          expect((yield* Effect.promise(() => route(new Request(link)))).status).toBe(400)

          const back = yield* Effect.promise(() => consentAt(atProvider))
          const page = yield* Effect.promise(() => browser.callback(back))
          expect(page.status).toBe(200)
          expect(page.headers.get("content-security-policy")).toContain("form-action 'self'")
          const html = yield* text(page)
          expect(html).toContain(ALICE)
          // GET stored nothing and exchanged nothing
          expect(yield* stored(ALICE)).toEqual([])
          expect(codeExchanges()).toHaveLength(0)

          const done = yield* Effect.promise(() => browser.confirm(confirmationForm(html)))
          expect(done.status).toBe(303)
          expect(done.headers.get("location")).toBe(`https://overlap.test/oauth/connected?provider=${provider}`)
          expect(done.headers.get("set-cookie")).toMatch(new RegExp(`^__Host-overlap-oauth-${provider}=; Path=/; Max-Age=0`))
          expect(yield* stored(ALICE)).toMatchObject([{ provider, status: "active" }])
          expect(codeExchanges()).toHaveLength(1)
          // sent again: the state is spent
          expect((yield* Effect.promise(() => browser.confirm(confirmationForm(html)))).status).toBe(400)
          expect(yield* stored(ALICE)).toHaveLength(1)
        })))
  }

  it.effect("an attacker-started flow completed in the victim's browser (no cookie, or the victim's own) is refused; nothing is stored", () =>
    withRoutes((route) =>
      Effect.gen(function*() {
        const link = yield* startLink("google", MALLORY)
        const mallory = makeBrowser(route)
        const attackersUrl = yield* Effect.promise(() => mallory.begin(link))
        // Mallory sends the provider's URL to Alice, who consents in her own browser.
        const back = yield* Effect.promise(() => consentAt(attackersUrl))

        const noCookie = makeBrowser(route)
        const refused = yield* Effect.promise(() => noCookie.callback(back))
        expect(refused.status).toBe(400)
        expect(yield* text(refused)).toContain("not started in this browser")

        // Alice has a flow cookie of her own (she started a connect earlier): still not this flow's.
        const alice = makeBrowser(route)
        const own = yield* startLink("google", ALICE)
        yield* Effect.promise(() => alice.begin(own))
        const otherCookie = yield* Effect.promise(() => alice.callback(back))
        expect(otherCookie.status).toBe(400)
        // …nor can she (or a page she visits) post the form for it with her own cookie and nonce
        const forged = { action: new URL(back).pathname, fields: { code: new URL(back).searchParams.get("code")!, state: new URL(back).searchParams.get("state")!, csrf: alice.cookie!.split("=")[1]! } }
        expect((yield* Effect.promise(() => alice.confirm(forged))).status).toBe(400)

        expect(yield* stored(MALLORY)).toEqual([])
        expect(yield* stored(ALICE)).toEqual([])
        expect(codeExchanges()).toHaveLength(0)
      })))

  it.effect("a begin link opened in the victim's browser: the page names the attacker's account, and GET alone stores nothing", () =>
    withRoutes((route) =>
      Effect.gen(function*() {
        const victim = makeBrowser(route)
        const link = yield* startLink("google", MALLORY)
        const atProvider = yield* Effect.promise(() => victim.begin(link))
        const back = yield* Effect.promise(() => consentAt(atProvider))
        const page = yield* Effect.promise(() => victim.callback(back))
        expect(page.status).toBe(200)
        const html = yield* text(page)
        expect(html).toContain(MALLORY)
        expect(html).toContain("If this is not your Overlap account")
        // reloading the page changes nothing either
        expect((yield* Effect.promise(() => victim.callback(back))).status).toBe(200)
        expect(yield* stored(MALLORY)).toEqual([])
        expect(codeExchanges()).toHaveLength(0)
      })))

  it.effect("the confirmation POST is refused without the nonce, with another nonce, without the cookie, or from another origin", () =>
    withRoutes((route) =>
      Effect.gen(function*() {
        const browser = makeBrowser(route)
        const link = yield* startLink("microsoft", ALICE)
        const atProvider = yield* Effect.promise(() => browser.begin(link))
        const back = yield* Effect.promise(() => consentAt(atProvider))
        const html = yield* text(yield* Effect.promise(() => browser.callback(back)))
        const form = confirmationForm(html)
        expect(Object.keys(form.fields).sort()).toEqual(["code", "csrf", "state"])
        expect(browser.cookie).toBe(`__Host-overlap-oauth-microsoft=${form.fields.csrf}`)

        const attempts = [
          () => browser.confirm({ ...form, fields: { code: form.fields.code!, state: form.fields.state! } }), // no nonce
          () => browser.confirm(form, { fields: { csrf: "A".repeat(43) } }), // another nonce
          () => browser.confirm(form, { origin: "https://evil.example" }),
          () => browser.confirm(form, { origin: null }),
          () => makeBrowser(route).confirm(form) // a page elsewhere posting the form, without the cookie
        ]
        for (const attempt of attempts) {
          const refused = yield* Effect.promise(attempt)
          expect(refused.status).toBe(403)
        }
        const saved = browser.cookie
        expect(yield* stored(ALICE)).toEqual([])
        expect(codeExchanges()).toHaveLength(0)
        // an oversized form is 413
        expect((yield* Effect.promise(() => browser.confirm(form, { fields: { padding: "x".repeat(9000) } }))).status).toBe(413)
        // the refusals spent nothing: the real confirmation still connects
        browser.cookie = saved
        const done = yield* Effect.promise(() => browser.confirm(form))
        expect(done.status).toBe(303)
        expect(yield* stored(ALICE)).toMatchObject([{ provider: "microsoft", status: "active" }])
      })))

  it.effect("other methods are 405; the provider's error or an incomplete redirect is a page, not a connector", () =>
    withRoutes((route) =>
      Effect.gen(function*() {
        expect((yield* Effect.promise(() => route(new Request("https://overlap.test/oauth/google/begin?ticket=x", { method: "POST" })))).status).toBe(405)
        expect((yield* Effect.promise(() => route(new Request("https://overlap.test/oauth/google/callback", { method: "PUT" })))).status).toBe(405)
        expect((yield* Effect.promise(() => route(new Request("https://overlap.test/oauth/google/begin?ticket=not-a-ticket")))).status).toBe(400)
        expect((yield* Effect.promise(() => route(new Request("https://overlap.test/oauth/google/callback?error=access_denied")))).status).toBe(400)
        expect((yield* Effect.promise(() => route(new Request("https://overlap.test/oauth/google/callback?state=x")))).status).toBe(400)
        expect((yield* Effect.promise(() => route(new Request("https://overlap.test/oauth/connected?provider=google")))).status).toBe(200)
      })))

  it.effect("with no TOKEN_VAULT_KEYS outside development the confirmation is a 503 page (not configured), not a 500; nothing stored", () =>
    withRoutes(() =>
      Effect.gen(function*() {
        // the AppView's routes over the same services but the vault of a staging worker without its key ring
        const unconfigured = yield* makeTokenVault({ keys: undefined, environment: "staging" })
        const runtime = yield* Effect.runtime<OAuthRouteServices>()
        const route: Route = (request) => Runtime.runPromise(runtime)(handleOAuthRoute(request).pipe(Effect.provideService(TokenVault, unconfigured)))
        const link = yield* startLink("google", ALICE)
        const browser = makeBrowser(route)
        const back = yield* Effect.promise(async () => consentAt(await browser.begin(link)))
        const page = yield* Effect.promise(() => browser.callback(back))
        expect(page.status).toBe(200)
        const done = yield* Effect.promise(async () => browser.confirm(confirmationForm(await page.text())))
        expect(done.status).toBe(503)
        expect(yield* text(done)).toContain("not fully set up")
        expect(yield* stored(ALICE)).toEqual([])
      })))
})
