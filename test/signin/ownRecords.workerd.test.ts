import { createExecutionContext, env } from "cloudflare:test"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { WebSessionsLive } from "../../src/adapters/d1/WebSessionsLive"
import { sessionCookieName } from "../../src/domain/signin/webSession"
import appview from "../../src/entry/appview"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { WebSessions } from "../../src/services/WebSessions"

/**
 * app.overlap.host.* through the AppView worker's fetch inside workerd (wrangler.toml's D1, KV, SessionDO): a signed-in
 * browser's record is checked exactly as the indexer checks it (400 naming the field, never a 500), procedures need the
 * session's CSRF token, and a person whose atproto session is gone gets the re-authorize error (401), which their page
 * then shows. The writes themselves against the real local PDS: test/signin/ownRecords.pds.test.ts.
 */

const testEnv = env as unknown as Env
const ORIGIN = "http://127.0.0.1"

// the worker's fetch with an execution context (works whether or not the handler reads one)
const workerFetch = appview.fetch as unknown as (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>
const fetchApp = (path: string, init: RequestInit = {}) =>
  workerFetch(new Request(`${ORIGIN}${path}`, { redirect: "manual", ...init }), testEnv, createExecutionContext())

let n = 0
const newSession = () =>
  Effect.runPromise(Effect.flatMap(WebSessions, (s) => s.create(`did:plc:ownrecords${String(++n).padStart(14, "0")}`, "vitest")).pipe(
    Effect.provide(WebSessionsLive),
    Effect.provide(CloudflareEnv.layer(testEnv))
  ))

const post = (nsid: string, session: { id: string; csrf: string }, body: unknown, csrf = true) =>
  fetchApp(`/xrpc/${nsid}`, {
    method: "POST",
    headers: {
      cookie: `${sessionCookieName(false)}=${session.id}`,
      "content-type": "application/json",
      origin: ORIGIN,
      ...(csrf ? { "x-overlap-csrf": session.csrf } : {})
    },
    body: JSON.stringify(body)
  })

const weeklyOffer = (overrides: Record<string, unknown> = {}) => ({
  start: "2027-03-01T08:00:00Z",
  end: "2027-03-01T11:00:00Z",
  tz: "Europe/Berlin",
  policy: "anyone",
  weekly: [{ days: ["monday", "wednesday"], start: "09:00", end: "12:00" }],
  validFrom: "2027-03-01T00:00:00Z",
  ...overrides
})

describe("app.overlap.host.* from a browser session", () => {
  it("an offer that breaks a rule is a 400 naming the field, as the indexer would skip it", async () => {
    const session = await newSession()
    const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
      [weeklyOffer({ weekly: [{ days: ["monday"], start: "09:00", end: "09:00" }] }), "offer.weekly.0.end:"],
      [weeklyOffer({ tz: "Mars/Olympus" }), "offer.tz:"],
      [weeklyOffer({ policy: "friends" }), "offer.policy"],
      [weeklyOffer({ validUntil: "2027-02-01T00:00:00Z" }), "offer.validUntil:"],
      [{ ...weeklyOffer(), start: undefined }, "offer.start: is required"]
    ]
    for (const [offer, field] of cases) {
      const response = await post("app.overlap.host.putOffer", session, { offer })
      expect(response.status, JSON.stringify(offer)).toBe(400)
      const body = (await response.json()) as { error: string; message: string }
      expect(body.error).toBe("InvalidRequest")
      expect(body.message.startsWith(field), body.message).toBe(true)
    }
  })

  it("an event type with a bad slug or repeated lengths is a 400 naming the field", async () => {
    const session = await newSession()
    const eventType = { name: "Intro", slug: "intro", durations: [30], policy: "anyone" }
    const badSlug = await post("app.overlap.host.putEventType", session, { eventType: { ...eventType, slug: "Not A Slug" } })
    expect(badSlug.status).toBe(400)
    expect(await badSlug.json()).toMatchObject({ error: "InvalidRequest", message: expect.stringMatching(/^eventType\.slug:/) })
    const repeated = await post("app.overlap.host.putEventType", session, { eventType: { ...eventType, durations: [30, 30] } })
    expect(repeated.status).toBe(400)
    expect(await repeated.json()).toMatchObject({ message: expect.stringMatching(/^eventType\.durations:/) })
    const deleteBad = await post("app.overlap.host.deleteEventType", session, { slug: "../x" })
    expect(deleteBad.status).toBe(400)
    expect(await deleteBad.json()).toMatchObject({ message: expect.stringMatching(/^slug:/) })
  })

  it("without the CSRF token a write is refused with 403", async () => {
    const session = await newSession()
    const response = await post("app.overlap.host.putOffer", session, { offer: weeklyOffer() }, false)
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ error: "CsrfRejected" })
  })

  it("a person with no atproto session (ended, revoked, never made) gets the re-authorize error, and their page shows it", async () => {
    const session = await newSession()
    const put = await post("app.overlap.host.putOffer", session, { offer: weeklyOffer() })
    expect(put.status).toBe(401)
    expect(await put.json()).toMatchObject({ error: "ReauthorizeRequired" })
    const remove = await post("app.overlap.host.deleteOffer", session, { rkey: "3l4jvyclgaa2k" })
    expect(remove.status).toBe(401)
    expect(await remove.json()).toMatchObject({ error: "ReauthorizeRequired" })
    const settings = await fetchApp("/xrpc/app.overlap.session.getSettings", { headers: { cookie: `${sessionCookieName(false)}=${session.id}` } })
    expect(await settings.json()).toMatchObject({ reauthorizeRequired: true })
  })

  it("an rkey that is not a TID is refused before anything is written", async () => {
    const session = await newSession()
    const response = await post("app.overlap.host.putOffer", session, { rkey: "not a tid", offer: weeklyOffer() })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ message: expect.stringContaining("rkey") })
  })
})
