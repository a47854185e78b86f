import { env } from "cloudflare:test"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { WebSessionsLive } from "../../src/adapters/d1/WebSessionsLive"
import { sessionCookieName } from "../../src/domain/signin/webSession"
import appview from "../../src/entry/appview"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { WebSessions } from "../../src/services/WebSessions"

/**
 * A signed-in browser books with its session cookie (AccountRequiredLive): `match` and `getMatchStatus` take the
 * cookie as an account, as they take service auth, and XrpcAuth still checks it — a forged cookie is 401
 * SessionInvalid, a `match` without this origin or without the session's CSRF token is 403 CsrfRejected. Through the
 * AppView worker's own fetch inside workerd (wrangler.toml's bindings). On the old code every cookie call was
 * 401 AccountRequired.
 */

const testEnv = env as unknown as Env
const ORIGIN = "http://127.0.0.1"
const GUEST = "did:plc:matchsessionguest0000001"
const HOST = "did:plc:matchsessionhost00000001"

const fetchApp = (path: string, init: RequestInit = {}) =>
  appview.fetch(new Request(`${ORIGIN}${path}`, { redirect: "manual", ...init }) as Parameters<typeof appview.fetch>[0], testEnv)

const newSession = () =>
  Effect.runPromise(Effect.flatMap(WebSessions, (s) => s.create(GUEST, "vitest")).pipe(
    Effect.provide(WebSessionsLive),
    Effect.provide(CloudflareEnv.layer(testEnv))
  ))

const matchBody = {
  hostDid: HOST,
  constraints: { durationMin: 30, durationMax: 30, tz: "UTC", earliest: new Date(Date.now() + 86_400_000).toISOString(), latest: new Date(Date.now() + 2 * 86_400_000).toISOString() }
}

let keySeq = 0
const match = (headers: Record<string, string>) =>
  fetchApp("/xrpc/app.overlap.match", {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": `match-session-key-${++keySeq}-0123456789`, ...headers },
    body: JSON.stringify(matchBody)
  })

const answer = async (response: Response) => ({ status: response.status, body: (await response.json()) as { error?: string; message?: string } })

describe("match and getMatchStatus with a browser session", () => {
  it("without a cookie or Authorization: 401 AccountRequired, as before", async () => {
    const refused = await answer(await match({ origin: ORIGIN }))
    expect([refused.status, refused.body.error]).toEqual([401, "AccountRequired"])
    const status = await answer(await fetchApp("/xrpc/app.overlap.getMatchStatus?token=x.y"))
    expect([status.status, status.body.error]).toEqual([401, "AccountRequired"])
  })

  it("a session cookie without the CSRF token, or from another origin, is refused with 403 CsrfRejected", async () => {
    const session = await newSession()
    const cookie = `${sessionCookieName(false)}=${session.id}`
    const noToken = await answer(await match({ cookie, origin: ORIGIN }))
    expect([noToken.status, noToken.body.error]).toEqual([403, "CsrfRejected"])
    const crossSite = await answer(await match({ cookie, origin: "https://evil.example", "x-overlap-csrf": session.csrf }))
    expect([crossSite.status, crossSite.body.error]).toEqual([403, "CsrfRejected"])
    const otherToken = await answer(await match({ cookie, origin: ORIGIN, "x-overlap-csrf": (await newSession()).csrf }))
    expect([otherToken.status, otherToken.body.error]).toEqual([403, "CsrfRejected"])
  })

  it("a forged cookie is 401 SessionInvalid, never anonymous and never an account", async () => {
    const cookie = `${sessionCookieName(false)}=${"A".repeat(43)}`
    const forged = await answer(await match({ cookie, origin: ORIGIN, "x-overlap-csrf": "B".repeat(43) }))
    expect([forged.status, forged.body.error]).toEqual([401, "SessionInvalid"])
    const status = await answer(await fetchApp("/xrpc/app.overlap.getMatchStatus?token=x.y", { headers: { cookie } }))
    expect([status.status, status.body.error]).toEqual([401, "SessionInvalid"])
  })

  it("a live session with this origin and its CSRF token gets past the account check to the match itself", async () => {
    const session = await newSession()
    const cookie = `${sessionCookieName(false)}=${session.id}`
    const matched = await answer(await match({ cookie, origin: ORIGIN, "x-overlap-csrf": session.csrf }))
    // the host has no offers here: the match is refused for that, as the guest's own call
    expect(matched.body.error).not.toBe("AccountRequired")
    expect([401, 403]).not.toContain(matched.status)
    expect([matched.status, matched.body.error]).toEqual([404, "HostNotFound"])
    const status = await answer(await fetchApp("/xrpc/app.overlap.getMatchStatus?token=x.y", { headers: { cookie } }))
    expect([401, 403]).not.toContain(status.status)
    expect([status.status, status.body.error]).toEqual([404, "MatchNotFound"])
  })
})
