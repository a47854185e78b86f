import { createExecutionContext, env, runDurableObjectAlarm } from "cloudflare:test"
import { beforeAll, describe, expect, it } from "vitest"
import { csrfCookieName, sessionCookieName, signInCookieName } from "../../src/domain/signin/webSession"
import appview from "../../src/entry/appview"
import type { Env } from "../../src/platform/CloudflareEnv"
import type { ExpirableSessionDO } from "../support/appviewTestWorker"
import { consentAtPds } from "./pdsConsent"

/**
 * A signed-in person writes their own offers and event types through Overlap (app.overlap.host.*), against the real
 * local PDS, through the AppView worker's fetch: the record is in their repo (com.atproto.repo.getRecord), a retry
 * writes it once, it is listed from the repo and deleted; a service-auth caller is told a web session is needed; with
 * the PDS down the write is queued and lands once when it is back.
 */

const testEnv = env as unknown as Omit<Env, "SESSION"> & {
  TEST_PDS_URL: string
  TEST_CLIENT_URL: string
  SESSION: DurableObjectNamespace<ExpirableSessionDO>
}
const ORIGIN = "http://127.0.0.1"

const workerFetch = appview.fetch as unknown as (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>
const fetchApp = (path: string, init: RequestInit = {}) =>
  workerFetch(new Request(`${ORIGIN}${path}`, { redirect: "manual", ...init }), testEnv as unknown as Env, createExecutionContext())

const createAccount = async (name: string): Promise<{ did: string; handle: string }> => {
  const response = await fetch(`${testEnv.TEST_CLIENT_URL}/account`, { method: "POST", body: JSON.stringify({ name }) })
  if (!response.ok) throw new Error(await response.text())
  return response.json()
}

const cookiesOf = (response: Response) =>
  new Map(response.headers.getSetCookie().map((c) => {
    const [pair] = c.split(";")
    const at = pair!.indexOf("=")
    return [pair!.slice(0, at), pair!.slice(at + 1)] as const
  }))

/** The whole sign-in: login → the PDS's own sign-in and consent → callback; the browser's session id and CSRF token. */
const signIn = async (handle: string) => {
  const login = await fetchApp(`/oauth/login?handle=${encodeURIComponent(handle)}`)
  expect(login.status, await login.clone().text()).toBe(302)
  const flow = cookiesOf(login).get(signInCookieName(false))!
  const back = new URL(await consentAtPds(login.headers.get("location")!, handle))
  const callback = await fetchApp(back.pathname + back.search, { headers: { cookie: `${signInCookieName(false)}=${flow}` } })
  expect(callback.status, await callback.clone().text()).toBe(302)
  const cookies = cookiesOf(callback)
  return { id: cookies.get(sessionCookieName(false))!, csrf: cookies.get(csrfCookieName(false))! }
}

type Browser = Awaited<ReturnType<typeof signIn>>

const post = (browser: Browser, nsid: string, body: unknown) =>
  fetchApp(`/xrpc/${nsid}`, {
    method: "POST",
    headers: { cookie: `${sessionCookieName(false)}=${browser.id}`, origin: ORIGIN, "x-overlap-csrf": browser.csrf, "content-type": "application/json" },
    body: JSON.stringify(body)
  })
const get = (browser: Browser, nsid: string) => fetchApp(`/xrpc/${nsid}`, { headers: { cookie: `${sessionCookieName(false)}=${browser.id}` } })

const getRecord = async (did: string, collection: string, rkey: string) => {
  const response = await fetch(`${testEnv.TEST_PDS_URL}/xrpc/com.atproto.repo.getRecord?repo=${did}&collection=${collection}&rkey=${rkey}`)
  return response.ok ? ((await response.json()) as { cid: string; value: Record<string, unknown> }) : undefined
}
const listRecords = async (did: string, collection: string) => {
  const response = await fetch(`${testEnv.TEST_PDS_URL}/xrpc/com.atproto.repo.listRecords?repo=${did}&collection=${collection}`)
  return ((await response.json()) as { records: Array<{ uri: string; value: Record<string, unknown> }> }).records
}

const weeklyOffer = (note: string) => ({
  start: "2027-03-01T08:00:00Z",
  end: "2027-03-01T11:00:00Z",
  tz: "Europe/Berlin",
  policy: "anyone",
  weekly: [
    { days: ["monday", "tuesday"], start: "09:00", end: "12:00" },
    { days: ["monday"], start: "14:00", end: "17:00" }
  ],
  validFrom: "2027-03-01T00:00:00Z",
  validUntil: "2027-07-01T00:00:00Z",
  note
})

interface WriteAnswer {
  readonly uri: string
  readonly rkey: string
  readonly cid?: string
  readonly status: "written" | "queued"
}

describe("a signed-in person's own records, written through Overlap to their PDS", () => {
  let hana: { did: string; handle: string }
  let browser: Browser
  beforeAll(async () => {
    hana = await createAccount(`hana${Date.now() % 100000}`)
    browser = await signIn(hana.handle)
  })

  it("putOffer writes the slotOffer to the repo; the same offer again writes it once; listOffers reads it; deleteOffer removes it", async () => {
    const put = await post(browser, "app.overlap.host.putOffer", { offer: weeklyOffer("mornings") })
    expect(put.status, await put.clone().text()).toBe(200)
    const first = (await put.json()) as WriteAnswer
    expect(first).toMatchObject({ status: "written", uri: `at://${hana.did}/app.overlap.slotOffer/${first.rkey}` })
    expect(first.rkey).toMatch(/^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/)
    const stored = await getRecord(hana.did, "app.overlap.slotOffer", first.rkey)
    expect(stored?.value).toMatchObject({ $type: "app.overlap.slotOffer", tz: "Europe/Berlin", note: "mornings", weekly: weeklyOffer("").weekly })
    expect(stored?.cid).toBe(first.cid)

    // a retry (the answer was lost): the same key, still one record
    const again = (await (await post(browser, "app.overlap.host.putOffer", { offer: weeklyOffer("mornings") })).json()) as WriteAnswer
    expect(again.rkey).toBe(first.rkey)
    expect((await listRecords(hana.did, "app.overlap.slotOffer")).filter((r) => r.value.note === "mornings")).toHaveLength(1)

    // replace by key, with a compare-and-swap on the CID just read
    const current = await getRecord(hana.did, "app.overlap.slotOffer", first.rkey)
    const replaced = await post(browser, "app.overlap.host.putOffer", { rkey: first.rkey, swapRecord: current!.cid, offer: weeklyOffer("mornings, updated") })
    expect(replaced.status, await replaced.clone().text()).toBe(200)
    expect((await getRecord(hana.did, "app.overlap.slotOffer", first.rkey))?.value.note).toBe("mornings, updated")
    // a stale swap is refused by the PDS, not retried
    const stale = await post(browser, "app.overlap.host.putOffer", { rkey: first.rkey, swapRecord: current!.cid, offer: weeklyOffer("lost update") })
    expect(stale.status).toBe(422)
    expect(await stale.json()).toMatchObject({ error: "PdsWriteRejected" })

    const listed = await get(browser, "app.overlap.host.listOffers")
    expect(listed.status).toBe(200)
    const { offers } = (await listed.json()) as { offers: Array<{ rkey: string; value: { note?: string }; problem?: string }> }
    expect(offers.find((o) => o.rkey === first.rkey)).toMatchObject({ value: { note: "mornings, updated" } })
    expect(offers.find((o) => o.rkey === first.rkey)?.problem).toBeUndefined()

    const removed = await post(browser, "app.overlap.host.deleteOffer", { rkey: first.rkey })
    expect(removed.status).toBe(200)
    expect(await getRecord(hana.did, "app.overlap.slotOffer", first.rkey)).toBeUndefined()
    expect(((await (await get(browser, "app.overlap.host.listOffers")).json()) as { offers: Array<{ rkey: string }> }).offers.map((o) => o.rkey))
      .not.toContain(first.rkey)
  })

  it("putEventType writes the eventType under its slug; listEventTypes reads it; deleteEventType removes it", async () => {
    const offer = (await (await post(browser, "app.overlap.host.putOffer", { offer: weeklyOffer("for intro") })).json()) as WriteAnswer
    const eventType = { name: "Intro call", slug: "intro", durations: [30, 15], policy: "anyone", offers: [offer.uri] }
    const put = await post(browser, "app.overlap.host.putEventType", { eventType })
    expect(put.status, await put.clone().text()).toBe(200)
    expect(await put.json()).toMatchObject({ status: "written", rkey: "intro", uri: `at://${hana.did}/app.overlap.eventType/intro` })
    expect((await getRecord(hana.did, "app.overlap.eventType", "intro"))?.value).toMatchObject({ name: "Intro call", offers: [offer.uri] })

    const listed = (await (await get(browser, "app.overlap.host.listEventTypes")).json()) as { eventTypes: Array<{ rkey: string }> }
    expect(listed.eventTypes.map((e) => e.rkey)).toEqual(["intro"])

    expect((await post(browser, "app.overlap.host.deleteEventType", { slug: "intro" })).status).toBe(200)
    expect(await getRecord(hana.did, "app.overlap.eventType", "intro")).toBeUndefined()
  })

  it("a service-auth caller (a token minted by their PDS) is told a web session is needed: 403, nothing written", async () => {
    const aud = `${testEnv.APPVIEW_DID}${testEnv.APPVIEW_SERVICE_ID}`
    const tokenFor = async (lxm: string) => {
      const response = await fetch(`${testEnv.TEST_CLIENT_URL}/serviceAuth`, { method: "POST", body: JSON.stringify({ did: hana.did, aud, lxm }) })
      expect(response.status, await response.clone().text()).toBe(200)
      return ((await response.json()) as { token: string }).token
    }
    const before = (await listRecords(hana.did, "app.overlap.slotOffer")).length
    const put = await fetchApp("/xrpc/app.overlap.host.putOffer", {
      method: "POST",
      headers: { authorization: `Bearer ${await tokenFor("app.overlap.host.putOffer")}`, "content-type": "application/json" },
      body: JSON.stringify({ offer: weeklyOffer("via service auth") })
    })
    expect(put.status).toBe(403)
    expect(await put.json()).toMatchObject({ error: "WebSessionRequired", message: expect.stringContaining("sign in to Overlap in a browser") })
    const list = await fetchApp("/xrpc/app.overlap.host.listOffers", { headers: { authorization: `Bearer ${await tokenFor("app.overlap.host.listOffers")}` } })
    expect(list.status).toBe(403)
    expect((await listRecords(hana.did, "app.overlap.slotOffer")).length).toBe(before)
  })

  it("with the PDS down the write is queued (200 queued, kept in the outbox); when it is back the alarm lands it once", async () => {
    const ines = await createAccount(`ines${Date.now() % 100000}`)
    const inesBrowser = await signIn(ines.handle)
    const stub = testEnv.SESSION.get(testEnv.SESSION.idFromName(ines.did))
    // a port nothing listens on: every call to the PDS fails to connect
    const pdsUrl = await stub.pointPdsAt("http://127.0.0.1:9/")
    const put = await post(inesBrowser, "app.overlap.host.putOffer", { offer: weeklyOffer("while down") })
    expect(put.status, await put.clone().text()).toBe(200)
    const queued = (await put.json()) as WriteAnswer
    expect(queued.status).toBe("queued")
    expect(await stub.status()).toEqual({ active: true, pending: 1 })
    expect(await getRecord(ines.did, "app.overlap.slotOffer", queued.rkey)).toBeUndefined()

    // still down: the retry keeps it queued
    expect(await stub.makeOutboxDue()).toBe(1)
    await runDurableObjectAlarm(stub)
    expect((await stub.status()).pending).toBe(1)

    // the PDS is back: the retry writes it, once
    await stub.pointPdsAt(pdsUrl)
    stub.makeOutboxDue()
    await runDurableObjectAlarm(stub)
    expect(await stub.status()).toEqual({ active: true, pending: 0 })
    expect((await getRecord(ines.did, "app.overlap.slotOffer", queued.rkey))?.value).toMatchObject({ note: "while down" })
    expect(await listRecords(ines.did, "app.overlap.slotOffer")).toHaveLength(1)
  })
})
