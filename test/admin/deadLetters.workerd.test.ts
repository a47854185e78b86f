// Dead letters through the AppView worker in workerd: a `*-dlq` batch through its queue handler is recorded in D1 with
// the body sealed (no DID, no e-mail address in any column), a redelivery counts on the same record, the notify
// consumer's envelope is unwrapped; the console's /admin/dead-letters answers only to a valid Access token (local JWKS
// signer), lists the backlog per dead-letter queue and per consumed queue (queue_age), opens one record with addresses masked, and replays (sends to the real queue,
// where the AppView's consumer takes it, then deletes) or drops it — only from a same-origin form; bad input is 400
// naming the field.
import { createExecutionContext, createMessageBatch, env, fetchMock, getQueueResult } from "cloudflare:test"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import appview from "../../src/entry/appview"
import type { Env } from "../../src/platform/CloudflareEnv"
import { ACCESS_AUD, ACCESS_ISSUER, ACCESS_TEAM, type AccessSigner, accessSigner, accessToken } from "../support/accessSigner"

const ORIGIN = "http://localhost"
let key: AccessSigner
const envWith = (): Env => ({ ...env, ACCESS_TEAM_DOMAIN: ACCESS_TEAM, ACCESS_AUD, WORKER_HEALTH_URLS: "{}" } as Env)

const call = async (path: string, init: { signed?: boolean; method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}) => {
  const headers: Record<string, string> = { ...(init.signed === false ? {} : { "cf-access-jwt-assertion": await accessToken(key) }), ...init.headers }
  const body = init.form === undefined ? undefined : new URLSearchParams(init.form).toString()
  if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded"
  const response = await appview.fetch(
    new Request(`${ORIGIN}${path}`, { method: init.method ?? "GET", headers, body, redirect: "manual" }) as Request<unknown, IncomingRequestCfProperties>,
    envWith()
  )
  return { status: response.status, text: await response.text(), location: response.headers.get("location") }
}

/** Hands a batch to the AppView's queue handler as the runtime would, and answers what it acked and retried. */
const deliver = async (queue: string, messages: ReadonlyArray<{ id: string; body: unknown; timestamp: Date }>) => {
  const batch = createMessageBatch<unknown>(queue, messages.map((m) => ({ ...m, attempts: 1 })))
  const ctx = createExecutionContext()
  await (appview.queue as (b: MessageBatch<unknown>, e: Env, c: ExecutionContext) => Promise<void>)(batch, envWith(), ctx)
  return getQueueResult(batch, ctx)
}

const rowsOf = async () => (await env.DB.prepare("SELECT * FROM dead_letters ORDER BY id").all<Record<string, unknown>>()).results

beforeAll(async () => {
  key = await accessSigner("team-key-dead-letters")
  fetchMock.activate()
  fetchMock.disableNetConnect()
})
beforeEach(() => {
  fetchMock.get(ACCESS_ISSUER).intercept({ path: "/cdn-cgi/access/certs" })
    .reply(200, JSON.stringify({ keys: [key.jwk] }), { headers: { "content-type": "application/json" } }).persist()
})
afterAll(() => fetchMock.deactivate())

const GUEST = "did:plc:deadletterguest00000000a"
const ADDRESS = "alice.personal@example.org"

describe("the *-dlq consumer", () => {
  it("records a calendar-tasks dead letter sealed, acks it, and counts a redelivery on the same record", async () => {
    const entered = Date.now() - 120_000
    const message = { id: "dl-calendar-1", body: { kind: "match-request", requestUri: `at://${GUEST}/app.overlap.request/3k` }, timestamp: new Date(entered) }
    const result = await deliver("calendar-tasks-dlq", [message])
    expect(result.explicitAcks).toEqual(["dl-calendar-1"])
    expect(result.retryMessages).toEqual([])
    const [row] = await rowsOf()
    expect(row).toMatchObject({ id: "dl-calendar-1", dlq: "calendar-tasks-dlq", source_queue: "calendar-tasks", kind: "match-request", attempts: null, first_seen: entered, deliveries: 1 })
    expect(JSON.stringify(row)).not.toContain(GUEST)
    expect(String(row!.body_ciphertext)).toMatch(/^v1\./)

    await deliver("calendar-tasks-dlq", [message])
    const [again, ...others] = await rowsOf()
    expect(others).toEqual([])
    expect(again).toMatchObject({ id: "dl-calendar-1", deliveries: 2, first_seen: entered })
  })

  it("unwraps the notify consumer's envelope: attempts and reason kept, the address and the error only sealed", async () => {
    const envelope = {
      reason: "delivery-failed",
      messageId: "n-1",
      attempts: 8,
      error: `550 mailbox ${ADDRESS} unavailable`,
      body: { channel: "email", target: ADDRESS, id: "notice-1", event: { type: "booking.confirmed" } }
    }
    await deliver("notify-tasks-dlq", [{ id: "dl-notify-1", body: envelope, timestamp: new Date() }])
    const [row] = await rowsOf()
    expect(row).toMatchObject({ dlq: "notify-tasks-dlq", source_queue: "notify-tasks", kind: "email booking.confirmed", attempts: 8, reason: "delivery-failed" })
    expect(JSON.stringify(row)).not.toContain("alice.personal")

    const opened = await call("/admin/dead-letters?id=dl-notify-1")
    expect(opened.status).toBe(200)
    expect(opened.text).toContain("a…@example.org")
    expect(opened.text).toContain("booking.confirmed")
    expect(opened.text).toContain("550 mailbox a…@example.org unavailable")
    expect(opened.text).not.toContain(ADDRESS)
  })
})

describe("/admin/dead-letters", () => {
  it("is 403 without a valid Access token, for reading and for replaying", async () => {
    await deliver("calendar-tasks-dlq", [{ id: "dl-guarded", body: { kind: "match", token: "t" }, timestamp: new Date() }])
    expect((await call("/admin/dead-letters", { signed: false })).status).toBe(403)
    const post = await call("/admin/dead-letters", { signed: false, method: "POST", form: { action: "drop", id: "dl-guarded" }, headers: { origin: ORIGIN } })
    expect(post.status).toBe(403)
    expect((await rowsOf()).map((r) => r.id)).toEqual(["dl-guarded"])
  })

  it("lists the backlog per queue and each record; drops one from a same-origin form only; 400 / 404 naming the field", async () => {
    const now = Date.now()
    await deliver("calendar-tasks-dlq", [
      { id: "dl-a", body: { kind: "match", token: "tok-a" }, timestamp: new Date(now - 3_600_000) },
      { id: "dl-b", body: { kind: "calendar-changed", did: GUEST }, timestamp: new Date(now - 60_000) }
    ])
    await deliver("index-tasks-dlq", [{ id: "dl-c", body: { kind: "nonsense" }, timestamp: new Date(now) }])

    // the live queues' backlog as far as a Worker knows it: each consumed batch's oldest message (queue_age points)
    let list = await call("/admin/dead-letters")
    for (let i = 0; i < 100 && !list.text.includes("<td>calendar-tasks-dlq</td><td>36"); i++) list = await call("/admin/dead-letters")
    expect(list.status).toBe(200)
    expect(list.text).toMatch(/<td>calendar-tasks-dlq<\/td><td>(36\d\d|3599) s<\/td><td>2<\/td>/)
    expect(list.text).toMatch(/<td>index-tasks-dlq<\/td><td>\d s<\/td><td>1<\/td>/)
    expect(list.text).toMatch(/<td>calendar-tasks-dlq<\/td><td>2<\/td><td>[^<]+<\/td><td>(36\d\d|3599) s<\/td>/)
    expect(list.text).toMatch(/<td>index-tasks-dlq<\/td><td>1<\/td>/)
    for (const id of ["dl-a", "dl-b", "dl-c"]) expect(list.text).toContain(`?id=${id}`)
    expect(list.text).not.toContain(GUEST)

    const crossSite = await call("/admin/dead-letters", { method: "POST", form: { action: "drop", id: "dl-a" }, headers: { origin: "https://evil.example" } })
    expect(crossSite.status).toBe(403)
    const noOrigin = await call("/admin/dead-letters", { method: "POST", form: { action: "drop", id: "dl-a" } })
    expect(noOrigin.status).toBe(403)
    const badAction = await call("/admin/dead-letters", { method: "POST", form: { action: "delete", id: "dl-a" }, headers: { origin: ORIGIN } })
    expect(badAction.status).toBe(400)
    expect(badAction.text).toContain("action: replay or drop")
    const badId = await call("/admin/dead-letters", { method: "POST", form: { action: "drop", id: "<script>" }, headers: { origin: ORIGIN } })
    expect(badId.status).toBe(400)
    expect(badId.text).toContain("id: a dead letter id")
    expect((await call("/admin/dead-letters?id=%3Cx%3E")).status).toBe(400)
    expect((await call("/admin/dead-letters?id=dl-missing")).status).toBe(404)
    expect((await call("/admin/dead-letters", { method: "POST", form: { action: "drop", id: "dl-missing" }, headers: { origin: ORIGIN } })).status).toBe(404)
    expect((await rowsOf()).map((r) => r.id)).toEqual(["dl-a", "dl-b", "dl-c"])

    const dropped = await call("/admin/dead-letters", { method: "POST", form: { action: "drop", id: "dl-a" }, headers: { origin: ORIGIN } })
    expect(dropped.status).toBe(303)
    expect(dropped.location).toBe("/admin/dead-letters?dropped=dl-a")
    expect((await rowsOf()).map((r) => r.id)).toEqual(["dl-b", "dl-c"])
    expect((await call(dropped.location!)).text).toContain("Dropped dl-a.")
  })

  it("replays a record to its queue, where the AppView's consumer takes it, and deletes the record", async () => {
    const marker = `replayed-${crypto.randomUUID()}`
    await deliver("index-tasks-dlq", [{ id: "dl-replay", body: { kind: marker }, timestamp: new Date() }])
    const replayed = await call("/admin/dead-letters", { method: "POST", form: { action: "replay", id: "dl-replay" }, headers: { "sec-fetch-site": "same-origin" } })
    expect(replayed.status).toBe(303)
    expect(replayed.location).toBe("/admin/dead-letters?replayed=dl-replay")
    expect(await rowsOf()).toEqual([])
    // the real index-tasks queue delivers it to the AppView's consumer, whose first step records the batch's queue_age
    let point: unknown
    for (let i = 0; i < 300 && point === undefined; i++) {
      point = await env.DB.prepare("SELECT blobs FROM metric_points WHERE index1 = 'queue_age' AND blobs LIKE '%\"index-tasks\"%'").first()
      if (point === null) point = undefined
      if (point === undefined) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(point).toBeDefined()
  })
})
