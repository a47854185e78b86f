// The guest's note reaches the host (issue 14), through the AppView worker's own fetch over wrangler.toml's bindings,
// signed in with browser sessions: app.overlap.match with a `note` → the host's and the guest's getBooking and
// listBookings show it; a third person gets nothing; D1 holds only its ciphertext; a retry writes it once; a note
// beyond the lexicon's bound is a 400 naming the field; the guest's export has it opened; the guest's account
// deletion removes it while the host keeps the booking.
import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from "cloudflare:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { WebSessionsLive } from "../../src/adapters/d1/WebSessionsLive"
import { sessionCookieName } from "../../src/domain/signin/webSession"
import appview from "../../src/entry/appview"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { BookingRequestsRepo } from "../../src/services/BookingRequestsRepo"
import { BookingsRepo } from "../../src/services/BookingsRepo"
import { OffersRepo } from "../../src/services/OffersRepo"
import { WebSessions } from "../../src/services/WebSessions"
import { MIN, mondayAfter } from "../holds/fixtures"
import { type ControllableHostMatchDO, useCalendarProvider } from "../support/appviewTestWorker"

const testEnv = env as unknown as Env
const ORIGIN = "http://127.0.0.1"
const HOST = "did:plc:notehost000000000000001"
const GUEST = "did:plc:noteguest00000000000001"
const THIRD = "did:plc:notethird00000000000001"
const NOTE = "Hi! I'd like to talk about <b>the grant</b> & the budget — 5 minutes early is fine."
const HOUR = 60 * MIN
const monday = mondayAfter(Date.now())
const iso = (ms: number) => new Date(ms).toISOString()

let runtime: ManagedRuntime.ManagedRuntime<WebSessions | OffersRepo | BookingsRepo | BookingRequestsRepo, never>
beforeAll(() => {
  runtime = ManagedRuntime.make(Layer.mergeAll(WebSessionsLive, RepositoriesLive).pipe(Layer.provide(CloudflareEnv.layer(testEnv))))
})
afterAll(async () => {
  await runtime?.dispose()
})

const fetchHandler = appview.fetch as unknown as (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>
const fetchApp = async (path: string, init: RequestInit = {}) => {
  const ctx = createExecutionContext()
  const response = await fetchHandler(new Request(`${ORIGIN}${path}`, init), testEnv, ctx)
  await waitOnExecutionContext(ctx)
  return response
}
const signIn = (did: string) => runtime.runPromise(Effect.flatMap(WebSessions, (s) => s.create(did, "vitest")))
type Session = Awaited<ReturnType<typeof signIn>>
const cookie = (session: Session) => `${sessionCookieName(false)}=${session.id}`
const post = (session: Session, nsid: string, body: unknown, headers: Record<string, string> = {}) =>
  fetchApp(`/xrpc/${nsid}`, {
    method: "POST",
    headers: { cookie: cookie(session), origin: ORIGIN, "x-overlap-csrf": session.csrf, "content-type": "application/json", ...headers },
    body: JSON.stringify(body)
  })
const get = (session: Session, nsid: string, params: Record<string, string>) =>
  fetchApp(`/xrpc/${nsid}?${new URLSearchParams(params)}`, { headers: { cookie: cookie(session) } })

const offerUri = `at://${HOST}/app.overlap.slotOffer/open`
const constraints = { durationMin: 30, durationMax: 30, tz: "UTC", earliest: iso(monday + 9 * HOUR), latest: iso(monday + 17 * HOUR) }
type View = { id: string; hostDid: string; guestDid: string; note?: string }

beforeAll(async () => {
  await runtime.runPromise(Effect.flatMap(OffersRepo, (offers) =>
    offers.upsert({
      uri: offerUri, did: HOST, rkey: "open", cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
      rev: "3l000000000002", startAt: monday + 9 * HOUR, endAt: monday + 17 * HOUR, policy: "anyone", tz: "UTC", note: null,
      createdAt: Date.now()
    })))
  // the host's object talks to in-memory calendars (both free)
  const stub = env.HOST_MATCH.get(env.HOST_MATCH.idFromName(HOST)) as unknown as DurableObjectStub<ControllableHostMatchDO>
  await runInDurableObject(stub, (instance) => instance[useCalendarProvider](calendarProviderTestLayer(new CalendarProviderTestControl())))
  // strangers, as the social graph (cached) says: the offer's tier `anyone` is met
  for (const [a, b] of [[GUEST, HOST], [HOST, GUEST]]) {
    await env.GRAPH_CACHE.put(`rel:v1:${a}:${b}`, JSON.stringify({ following: false, followedBy: false, blocking: false, blockedBy: false }))
  }
})

const sealedRows = async () =>
  (await env.DB.prepare("SELECT * FROM booking_notes WHERE guest_did = ?1").bind(GUEST).all<Record<string, unknown>>()).results

describe("the guest's note to the host", () => {
  it("kept sealed with the booking, shown to its host and guest only, exported to its author, deleted with them", async () => {
    const host = await signIn(HOST)
    const guest = await signIn(GUEST)
    const third = await signIn(THIRD)

    // beyond the lexicon's bound (300 graphemes): 400 naming the field, nothing kept
    const tooLong = await post(guest, "app.overlap.match", { hostDid: HOST, offerUri, constraints, note: "x".repeat(301) }, { "idempotency-key": "note-key-long-0001" })
    expect(tooLong.status).toBe(400)
    const refusal = (await tooLong.json()) as { error: string; message: string }
    expect(refusal.error).toBe("InvalidRequest")
    expect(refusal.message).toContain("note")
    expect(await sealedRows()).toEqual([])

    const match = () => post(guest, "app.overlap.match", { hostDid: HOST, offerUri, constraints, note: NOTE }, { "idempotency-key": "note-key-0001-abcdef" })
    const held = await match()
    expect(held.status, await held.clone().text()).toBe(200)
    const bookingId = ((await held.json()) as { result: { bookingId: string } }).result.bookingId
    expect(bookingId).toBeTruthy()

    // both people see it, as written (plain text: the web app renders it as text)
    for (const session of [host, guest]) {
      const one = await get(session, "app.overlap.getBooking", { id: bookingId })
      expect(one.status).toBe(200)
      expect(((await one.json()) as { booking: View }).booking).toMatchObject({ id: bookingId, note: NOTE })
      const listed = await get(session, "app.overlap.listBookings", {})
      expect(listed.status).toBe(200)
      const views = ((await listed.json()) as { bookings: ReadonlyArray<View> }).bookings
      expect(views.find((b) => b.id === bookingId)).toMatchObject({ note: NOTE })
    }
    // a third person: no such booking, and none listed
    const other = await get(third, "app.overlap.getBooking", { id: bookingId })
    expect(other.status).toBe(404)
    expect(await other.text()).not.toContain("grant")
    const theirs = await get(third, "app.overlap.listBookings", {})
    expect(JSON.stringify(await theirs.json())).not.toContain("grant")

    // D1 holds one row, sealed: no column of it contains any of the text
    const rows = await sealedRows()
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ booking_id: bookingId, guest_did: GUEST })
    expect(String(rows[0]!.note_ciphertext)).toMatch(/^v1\./)
    for (const word of ["grant", "budget", "Hi!"]) expect(JSON.stringify(rows)).not.toContain(word)
    // no other table holds it either
    const tables = (await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' AND name <> 'd1_migrations'").all<{ name: string }>()).results
    for (const { name } of tables) {
      const all = (await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results
      expect(JSON.stringify(all), name).not.toContain("the grant")
    }

    // a retry with the same key reaches the same booking and writes nothing more
    const again = await match()
    expect(again.status).toBe(200)
    expect(((await again.json()) as { result: { bookingId: string } }).result.bookingId).toBe(bookingId)
    expect(await sealedRows()).toHaveLength(1)
    expect((await sealedRows())[0]!.note_ciphertext).toBe(rows[0]!.note_ciphertext)

    // the guest's export has their own note, opened
    const exported = await post(guest, "app.overlap.account.requestExport", {})
    expect(exported.status, await exported.clone().text()).toBe(200)
    const { exportId } = (await exported.json()) as { exportId: string }
    const bundle = JSON.parse(await (await env.BLOBS.get(`exports/${GUEST}/${exportId}/bundle.json`))!.text()) as { bookingNotes: ReadonlyArray<{ bookingId: string; note: string }> }
    expect(bundle.bookingNotes).toEqual([expect.objectContaining({ bookingId, note: NOTE })])
    expect(JSON.stringify(bundle)).not.toContain("v1.")

    // the guest deletes their account: the note goes, the host keeps the booking (without it)
    const deleted = await post(guest, "app.overlap.account.deleteAccount", { confirm: GUEST })
    expect(deleted.status, await deleted.clone().text()).toBe(200)
    expect((await env.DB.prepare("SELECT count(*) AS n FROM booking_notes WHERE booking_id = ?1").bind(bookingId).first<{ n: number }>())!.n).toBe(0)
    const kept = await get(host, "app.overlap.getBooking", { id: bookingId })
    expect(kept.status).toBe(200)
    const view = ((await kept.json()) as { booking: View }).booking
    expect(view.id).toBe(bookingId)
    expect(view.note).toBeUndefined()
  })

  it("a booking made from a bookingRequest record shows that record's note (public in the guest's repo) to its host and guest only", async () => {
    const guestDid = "did:plc:noteguestrequest00000001"
    const uri = `at://${guestDid}/app.overlap.bookingRequest/3kreq`
    const other = `at://${THIRD}/app.overlap.bookingRequest/3kreq`
    await runtime.runPromise(Effect.gen(function*() {
      const requests = yield* BookingRequestsRepo
      for (const [u, g, note] of [[uri, guestDid, "From my request: agenda attached"], [other, THIRD, "someone else's words"]] as const) {
        yield* requests.upsert({
          uri: u, guestDid: g, hostDid: HOST, rkey: "3kreq", cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
          rev: "3l000000000003", offerUri, constraints: { durationMin: 30, durationMax: 30, tz: "UTC", earliest: iso(monday + 9 * HOUR), latest: iso(monday + 17 * HOUR) },
          status: "pending", note, createdAt: Date.now()
        })
      }
      const bookings = yield* BookingsRepo
      // one booking from the guest's own request, one naming a request another person wrote (its note is not theirs)
      for (const [id, requestUri] of [["bk_from_request", uri], ["bk_foreign_request", other]] as const) {
        yield* bookings.create({
          id, hostDid: HOST, guestDid, requestUri, offerUri, status: "held", startAt: monday + 10 * HOUR, endAt: monday + 10 * HOUR + 30 * MIN,
          tz: "UTC", sequence: 0, icsR2Key: null, holdExpiresAt: Date.now() + HOUR, hostTz: "UTC", title: null, location: null
        })
      }
    }).pipe(Effect.orDie))
    const host = await signIn(HOST)
    const guest = await signIn(guestDid)
    const third = await signIn(THIRD)
    for (const session of [host, guest]) {
      const one = await get(session, "app.overlap.getBooking", { id: "bk_from_request" })
      expect(one.status).toBe(200)
      expect(((await one.json()) as { booking: View }).booking.note).toBe("From my request: agenda attached")
      const foreign = await get(session, "app.overlap.getBooking", { id: "bk_foreign_request" })
      expect(((await foreign.json()) as { booking: View }).booking.note).toBeUndefined()
    }
    const denied = await get(third, "app.overlap.getBooking", { id: "bk_from_request" })
    expect(denied.status).toBe(404)
    expect(await denied.text()).not.toContain("agenda")
  })
})
