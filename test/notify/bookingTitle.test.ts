import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { makeAuditLogTest } from "../../src/adapters/memory/AuditLogTest"
import { AnalyticsTest } from "../../src/adapters/memory/AnalyticsTest"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { IcsStoreTest } from "../../src/adapters/memory/IcsStoreTest"
import { makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { makeNotifyOutboxTest } from "../../src/adapters/memory/NotifyOutboxTest"
import { makePdsWriterTest } from "../../src/adapters/memory/PdsWriterTest"
import { makeRateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { WebhookSubscriptionsRepoTest } from "../../src/adapters/memory/WebhookSubscriptionsRepoTest"
import { bookingTitleOf } from "../../src/domain/booking/booking"
import { renderInvitation } from "../../src/domain/invitation"
import { bookingInvitation, type MeetingPeople } from "../../src/domain/notify/bookingInvitation"
import { bookingSubject } from "../../src/domain/notify/bookingMail"
import type { BookingEvent, NotifyTask } from "../../src/domain/notify/task"
import { noRelationship } from "../../src/domain/policy"
import { BookingLifecycleInProcess } from "../../src/features/bookings/BookingLifecycleInProcess"
import { HoldStoreInProcess } from "../../src/features/matching/HoldStoreInProcess"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { BookingsRepo } from "../../src/services/BookingsRepo"
import { EventTypesRepo } from "../../src/services/EventTypesRepo"
import { IcsStore } from "../../src/services/IcsStore"
import type { RecordWrite } from "../../src/services/PdsWriter"
import { OffersRepo } from "../../src/services/OffersRepo"
import { SocialGraph } from "../../src/services/SocialGraph"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "../api/xrpcTestKit"
import { DAY, MIN, mondayAfter } from "../holds/fixtures"
import { checkWithPython } from "./icalendarCheck"

// Issue 16, the meeting's title: a booking records its event type's name at the match (bookings.title,
// migration 0023) and its notifications use it — the booking event, the e-mail subject, the invitation's
// SUMMARY ("<title> with <name>", read back by python3-icalendar) and the stored invitation — while the public
// app.overlap.booking record does not gain it. Through the XRPC front door (match, finalize) with the real
// booking engine (in-process hold store, memory repositories). Without an event type: "Meeting", as before.

const HOUR = 60 * MIN
const monday = mondayAfter(Date.now())
const at = (dayOffset: number, hour: number, minute = 0) => monday + dayOffset * DAY + hour * HOUR + minute * MIN
const iso = (ms: number) => new Date(ms).toISOString()
const CID = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
const TITLE = "Intro call — 30 min"

let host: TestAccount, guest: TestAccount
beforeAll(async () => {
  ;[host, guest] = await Promise.all([makeAccount("tthost"), makeAccount("ttguest")])
})

let xrpc: XrpcHandler
let run: <A, E>(effect: Effect.Effect<A, E, any>) => Promise<A>
let enqueued: Effect.Effect<ReadonlyArray<NotifyTask>>
let published: Effect.Effect<ReadonlyArray<RecordWrite>>
let dispose: () => Promise<void>

beforeEach(async () => {
  const repositories = RepositoriesTest
  const calendar = calendarProviderTestLayer(new CalendarProviderTestControl())
  const graph = Layer.succeed(SocialGraph, SocialGraph.of({
    relationship: () => Effect.succeed({ ...noRelationship, following: true, followedBy: true })
  }))
  const holds = HoldStoreInProcess.pipe(Layer.provide(Layer.merge(calendar, repositories)))
  const { outbox, pds, audit } = await Effect.runPromise(Effect.all({ outbox: makeNotifyOutboxTest, pds: makePdsWriterTest, audit: makeAuditLogTest }))
  enqueued = outbox.enqueued
  published = pds.writes
  const lifecycle = BookingLifecycleInProcess.pipe(
    Layer.provide(Layer.mergeAll(holds, IcsStoreTest, outbox.layer, pds.layer, audit.layer, repositories).pipe(
      Layer.provide(Layer.merge(repositories, WebhookSubscriptionsRepoTest))
    ))
  )
  const runtime = ManagedRuntime.make(Layer.mergeAll(
    repositories, serviceAuthFor([host, guest])(repositories), makeRateLimiterTest({}), TurnstileTest, graph, calendar, holds,
    lifecycle, AnalyticsTest, makeIdentityResolverTest(), IcsStoreTest
  ))
  const context = await runtime.runtime()
  xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext(context.context)) as any)
  run = <A, E>(effect: Effect.Effect<A, E, any>) => runtime.runPromise(effect as Effect.Effect<A, E, never>)
  await run(Effect.gen(function*() {
    const offers = yield* OffersRepo
    for (const d of [0, 1, 2]) {
      yield* offers.upsert({
        uri: `at://${host.did}/app.overlap.slotOffer/d${d}`, did: host.did, rkey: `d${d}`, cid: CID, rev: "3l000000000002",
        startAt: at(d, 8), endAt: at(d, 18), policy: "anyone", tz: "UTC", note: null, createdAt: Date.now()
      })
    }
    yield* Effect.flatMap(EventTypesRepo, (repo) =>
      repo.upsert({
        uri: `at://${host.did}/app.overlap.eventType/intro`, did: host.did, rkey: "intro", cid: CID, rev: "3l000000000002",
        slug: "intro", name: `  ${TITLE} `, description: null, durations: [30], policy: "anyone", location: null, offers: null,
        createdAt: Date.now()
      }))
  }))
  dispose = async () => { await xrpc.dispose(); await runtime.dispose() }
})
afterEach(() => dispose())

let keys = 0
const call = async (as: TestAccount, method: string, body: Record<string, unknown>) => {
  const nsid = `app.overlap.${method}`
  const response = await xrpc.handle(new Request(`http://appview.test/xrpc/${nsid}`, {
    method: "POST",
    headers: { authorization: `Bearer ${await as.token(nsid)}`, "content-type": "application/json", "idempotency-key": `title-${Date.now()}-${++keys}-abcdef` },
    body: JSON.stringify(body)
  }))
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

/** The guest matches on Tuesday (naming the event type, or not), the host finalizes; answers the booking id. */
const bookAndFinalize = async (eventType: string | undefined) => {
  const held = await call(guest, "match", {
    hostDid: host.did,
    ...(eventType !== undefined ? { eventType } : {}),
    constraints: { durationMin: 30, durationMax: 30, earliest: iso(at(1, 0)), latest: iso(at(2, 0)), tz: "Europe/Berlin" }
  })
  expect(held, JSON.stringify(held.body)).toMatchObject({ status: 200 })
  const bookingId = held.body.result.bookingId as string
  expect(await call(host, "finalize", { bookingId })).toMatchObject({ status: 200 })
  return bookingId
}

const people: MeetingPeople = {
  host: { did: "", name: "Hana Host", email: "hana@example.com" },
  guest: { did: "", name: "gus.example.com", email: "gus@example.org" }
}
const zones = { host: "UTC", guest: "Europe/Berlin" }

/** The booking.confirmed event enqueued for the booking, and what the guest's mail and invitation say with it. */
const confirmedFor = async (bookingId: string) => {
  const event = (await run(enqueued)).find((t) => t.event.type === "booking.confirmed" && (t.event as BookingEvent).bookingId === bookingId)!
    .event as BookingEvent
  const who = { host: { ...people.host, did: event.hostDid }, guest: { ...people.guest, did: event.guestDid } }
  const invitation = bookingInvitation(event, who, "guest", { url: "https://overlap.test/bookings/x", stampedAt: Date.now() })!
  const stored = await run(Effect.flatMap(IcsStore, (store) => store.get(`ics/${bookingId}/1.ics`)))
  return {
    event,
    subject: bookingSubject(event, who, "guest", zones),
    summary: checkWithPython(renderInvitation(invitation)).events[0]!.summary,
    storedIcs: Option.getOrThrow(stored).ics.replace(/\r\n[ \t]/g, "")
  }
}

describe("the meeting's title (its event type's name) in its notifications", () => {
  it("recorded at the match; the event, the mail subject and the invitation's SUMMARY carry it; the public record does not", async () => {
    const bookingId = await bookAndFinalize("intro")
    const booking = await run(Effect.flatMap(BookingsRepo, (repo) => repo.get(bookingId)))
    expect(booking).toMatchObject({ status: "confirmed", title: TITLE }) // trimmed as kept

    const { event, subject, summary, storedIcs } = await confirmedFor(bookingId)
    expect(event.title).toBe(TITLE)
    expect(subject).toMatch(new RegExp(`^Confirmed: ${TITLE} with Hana Host, `))
    expect(summary).toBe(`${TITLE} with Hana Host`)
    expect(storedIcs).toContain(`SUMMARY:${TITLE} (Overlap)`)

    // the public trace in the host's repo: no time and no title
    const records = (await run(published)).filter((w) => w.collection === "app.overlap.booking")
    expect(records.length).toBeGreaterThanOrEqual(1)
    for (const write of records) {
      expect(Object.keys(write.record).sort()).toEqual(["$type", "createdAt", "guestDid", "hostDid", "status", "timeMasked"])
      expect(JSON.stringify(write.record)).not.toContain("Intro")
    }
  })

  it("a booking without an event type keeps today's wording: Meeting", async () => {
    const bookingId = await bookAndFinalize(undefined)
    const booking = await run(Effect.flatMap(BookingsRepo, (repo) => repo.get(bookingId)))
    expect(booking.title ?? null).toBeNull()
    const { event, subject, summary, storedIcs } = await confirmedFor(bookingId)
    expect(event.title).toBeUndefined()
    expect(subject).toMatch(/^Confirmed: Meeting with Hana Host, /)
    expect(summary).toBe("Meeting with Hana Host")
    expect(storedIcs).toContain("SUMMARY:Meeting (Overlap)")
  })

  it("a name is kept trimmed and cut to 200 UTF-16 units, never splitting a character", () => {
    expect(bookingTitleOf("  Intro call  ")).toBe("Intro call")
    expect(bookingTitleOf("   ")).toBeUndefined()
    const long = `${"a".repeat(199)}😀tail`
    const cut = bookingTitleOf(long)!
    expect(cut).toBe("a".repeat(199))
    expect(bookingTitleOf("b".repeat(300))).toHaveLength(200)
  })
})
