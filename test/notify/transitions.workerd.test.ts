import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test"
import { Effect, Layer, TestClock, TestContext } from "effect"
import PostalMime from "postal-mime"
import { describe, expect, it } from "vitest"
import { TokenVaultLive } from "../../src/adapters/crypto/TokenVaultLive"
import { ActionLinksLive } from "../../src/adapters/d1/ActionLinksLive"
import { BookingsRepoLive } from "../../src/adapters/d1/BookingsRepoLive"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { NotifySettingsLive } from "../../src/adapters/d1/NotifySettingsLive"
import { TransitionNoticesLive } from "../../src/adapters/d1/TransitionNoticesLive"
import { WebhookSubscriptionsRepoLive } from "../../src/adapters/d1/WebhookSubscriptionsRepoLive"
import { makeNotifyOutboxTest } from "../../src/adapters/memory/NotifyOutboxTest"
import { proposalNotification } from "../../src/domain/notify/proposalNotice"
import type { NotifyTask } from "../../src/domain/notify/task"
import worker from "../../src/entry/notify"
import { handleActionLink } from "../../src/features/notify/actionLinkRoute"
import { transitionSweep } from "../../src/features/notify/transitionSweep"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { BookingLifecycle } from "../../src/services/BookingLifecycle"
import { BookingsRepo } from "../../src/services/BookingsRepo"
import { NotifyOutbox } from "../../src/services/NotifyOutbox"
import { NotifySettings } from "../../src/services/NotifySettings"

// Issue 16 item 2, the transitions BookingEngine does not announce: a request that is held (the host is asked
// to confirm, with signed confirm / decline links) and one that expired, found by the AppView's minute sweep
// over the real D1 (bookings as HostMatchDO leaves them, the notify_transitions ledger) with a fixed clock, and
// a guest's reschedule proposal (to the host, with accept / keep links). The planned tasks go through the
// notify worker's real queue handler: each mail once per (booking, transition, recipient), also when the
// queue delivers the same batch again. Stood in for: the send_email binding (a recorder) and, on /act/, the
// booking engine (a recorder of the command the link performs).

const MIN = 60_000
const T0 = Date.UTC(2027, 1, 8, 9, 0, 0)
const HOST = "did:plc:transitionhost000000000"
const GUEST = "did:plc:transitionguest00000000"
const root = CloudflareEnv.layer({ ...env, PUBLIC_URL: "https://overlap.test" } as unknown as Env)
const d1 = D1Live.pipe(Layer.provide(root))
const people = Layer.mergeAll(NotifySettingsLive, ActionLinksLive).pipe(Layer.provide(Layer.mergeAll(D1Live, TokenVaultLive).pipe(Layer.provideMerge(root))))

const insertBooking = (id: string, status: string, updatedAt: number, holdExpiresAt: number | null) =>
  env.DB.prepare(
    `INSERT INTO bookings (id, host_did, guest_did, status, start_at, end_at, tz, sequence, hold_expires_at, created_at, updated_at, version)
     VALUES (?, ?, ?, ?, ?, ?, 'Europe/Berlin', 0, ?, ?, ?, 1)
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, hold_expires_at = excluded.hold_expires_at, updated_at = excluded.updated_at`
  ).bind(id, HOST, GUEST, status, T0 + 2 * 86_400_000, T0 + 2 * 86_400_000 + 30 * MIN, holdExpiresAt, updatedAt, updatedAt).run()

interface Sent {
  readonly to: string
  readonly subject: string
  readonly text: string
}

/** The notify worker's queue handler on one batch (attempt `attempts`), with the e-mails it sends read by postal-mime. */
const deliver = async (tasks: ReadonlyArray<NotifyTask>, attempts = 1): Promise<Array<Sent>> => {
  const raw: Array<{ to: string; raw: string }> = []
  const testEnv = {
    ...env,
    PUBLIC_URL: "https://overlap.test",
    EMAIL_FROM: "invitations@overlap.test",
    EMAIL: {
      send: async (message: EmailMessage) => {
        const body = (message as unknown as Record<string, unknown>)["EmailMessage::raw"]
        raw.push({ to: message.to, raw: typeof body === "string" ? body : await new Response(body as ReadableStream).text() })
      }
    }
  } as unknown as Env
  const batch = createMessageBatch<unknown>("notify-tasks", tasks.map((body, i) => ({ id: `t${attempts}-${i}`, attempts, body, timestamp: new Date() })))
  const ctx = createExecutionContext()
  await worker.queue(batch, testEnv)
  const result = await getQueueResult(batch, ctx)
  expect(result.retryMessages).toEqual([])
  return Promise.all(raw.map(async (m) => {
    const parsed = await PostalMime.parse(m.raw)
    return { to: m.to, subject: parsed.subject ?? "", text: parsed.text ?? "" }
  }))
}

const linkIn = (text: string, action: string) => text.match(new RegExp(`https://overlap\\.test/act/${action}\\?[^\\s]+`))?.[0]

const verified = (did: string, address: string) =>
  Effect.gen(function*() {
    const settings = yield* NotifySettings
    yield* settings.putEmail(did, address)
    expect(yield* settings.verifyEmail(did, address)).toBe(true)
  })

describe("held and expired requests, and a guest's proposal, reach both people once", () => {
  it("the sweep announces a held request and an expiry once each; the mails carry the host's links; a redelivery sends nothing", async () => {
    await insertBooking("tr_held", "held", T0 - MIN, T0 + 10 * MIN)
    await insertBooking("tr_expired", "expired", T0 - 2 * MIN, T0 - 3 * MIN)
    await insertBooking("tr_old", "expired", T0 - 3 * 86_400_000, T0 - 3 * 86_400_000) // before the window: never announced
    await insertBooking("tr_on", "confirmed", T0 - MIN, null) // BookingEngine's own: not the sweep's
    // where the meetings are (migration 0014's columns, as the match writes them); tr_expired's conference does
    // not read: it is left out and never holds its notice back
    // tr_held's event type is named (bookings.title, migration 0023); tr_expired has none: "Meeting"
    await env.DB.prepare("UPDATE bookings SET location = ?, title = 'Intro call' WHERE id = 'tr_held'")
      .bind(JSON.stringify({ $type: "app.overlap.defs#locationVideo", url: "https://video.example/tr-held" })).run()
    await env.DB.prepare("UPDATE bookings SET location = ?, conference = '{not json' WHERE id = 'tr_expired'")
      .bind(JSON.stringify({ $type: "app.overlap.defs#locationInPerson", address: "Room 4, Alexanderplatz 1" })).run()

    const tasks = await Effect.runPromise(Effect.gen(function*() {
      const { layer, enqueued } = yield* makeNotifyOutboxTest
      const services = Layer.mergeAll(
        TransitionNoticesLive.pipe(Layer.provide(d1)),
        people,
        layer.pipe(Layer.provide(WebhookSubscriptionsRepoLive.pipe(Layer.provide(d1))))
      )
      return yield* Effect.gen(function*() {
        yield* verified(HOST, "host@example.com")
        yield* verified(GUEST, "guest@example.com")
        yield* TestClock.setTime(T0)
        expect(yield* transitionSweep).toBe(2)
        expect(yield* transitionSweep).toBe(0) // the next minute: nothing twice
        // the held request expires; the next run tells both that
        yield* Effect.promise(() => insertBooking("tr_held", "expired", T0 + 11 * MIN, T0 + 10 * MIN))
        yield* TestClock.setTime(T0 + 12 * MIN)
        expect(yield* transitionSweep).toBe(1)
        expect(yield* transitionSweep).toBe(0)
        return yield* enqueued
      }).pipe(Effect.provide(services))
    }).pipe(Effect.provide(TestContext.TestContext)))

    const ids = [...new Set(tasks.map((t) => t.id))].sort()
    expect(ids).toEqual(["tr_expired:0:booking.expired", "tr_held:0:booking.expired", "tr_held:0:booking.held"])
    const ledger = await env.DB.prepare("SELECT booking_id, event_type FROM notify_transitions ORDER BY booking_id, event_type").all()
    expect(ledger.results).toEqual([
      { booking_id: "tr_expired", event_type: "booking.expired" },
      { booking_id: "tr_held", event_type: "booking.expired" },
      { booking_id: "tr_held", event_type: "booking.held" }
    ])

    const mails = await deliver(tasks)
    const held = mails.filter((m) => /^(Please confirm|Requested):/.test(m.subject))
    expect(held).toHaveLength(2)
    const toHost = held.find((m) => m.to === "host@example.com")!
    const toGuest = held.find((m) => m.to === "guest@example.com")!
    expect(toHost.subject).toMatch(/^Please confirm: Intro call with /)
    expect(linkIn(toHost.text, "confirm")).toBeDefined()
    expect(linkIn(toHost.text, "decline")).toBeDefined()
    expect(toGuest.subject).toMatch(/^Requested: Intro call with /)
    expect(linkIn(toGuest.text, "confirm")).toBeUndefined()
    // both held mails say where the meeting will be: the video link as Where and Join
    for (const m of held) expect(m.text).toContain("Join: https://video.example/tr-held")
    const heldEvent = tasks.find((t) => t.id === "tr_held:0:booking.held" && t.channel === "email")!
    expect(heldEvent.event).toMatchObject({ joinUrl: "https://video.example/tr-held" })
    // the expiry of tr_expired names its place (its unreadable conference left out); tr_held's expiry its link
    const expiredTexts = mails.filter((m) => m.subject.startsWith("Expired:")).map((m) => m.text)
    expect(expiredTexts.filter((t) => t.includes("Where: Room 4, Alexanderplatz 1"))).toHaveLength(2)
    expect(expiredTexts.filter((t) => t.includes("Join: https://video.example/tr-held"))).toHaveLength(2)
    const expiredSubjects = mails.filter((m) => m.subject.startsWith("Expired:")).map((m) => m.subject.replace(/ with .*/, ""))
    expect(expiredSubjects.sort()).toEqual(["Expired: Intro call", "Expired: Intro call", "Expired: Meeting", "Expired: Meeting"])
    expect(mails.filter((m) => m.subject.startsWith("Expired:")).map((m) => m.to).sort()).toEqual([
      "guest@example.com",
      "guest@example.com",
      "host@example.com",
      "host@example.com"
    ])
    expect(mails).toHaveLength(6)

    // the queue delivers the whole batch again (e.g. the consumer's ack was lost): not one mail more
    expect(await deliver(tasks, 2)).toEqual([])
  })

  it("a hold recorded as the match records it (BookingsRepo over D1, with title and place) is announced with both", async () => {
    const events = await Effect.runPromise(Effect.gen(function*() {
      const { layer, enqueued } = yield* makeNotifyOutboxTest
      const services = Layer.mergeAll(
        TransitionNoticesLive.pipe(Layer.provide(d1)),
        BookingsRepoLive.pipe(Layer.provide(d1)),
        layer.pipe(Layer.provide(WebhookSubscriptionsRepoLive.pipe(Layer.provide(d1))))
      )
      return yield* Effect.gen(function*() {
        yield* TestClock.setTime(T0 + 30 * MIN)
        const created = yield* Effect.flatMap(BookingsRepo, (repo) =>
          repo.create({
            id: "tr_titled", hostDid: HOST, guestDid: GUEST, requestUri: null, offerUri: null, status: "held",
            startAt: T0 + 3 * 86_400_000, endAt: T0 + 3 * 86_400_000 + 30 * MIN, tz: "Europe/Berlin", sequence: 0, icsR2Key: null,
            holdExpiresAt: T0 + 40 * MIN, hostTz: "UTC", title: "Office hours",
            location: { $type: "app.overlap.defs#locationPhone", phone: "+49 30 1234567" }
          }))
        expect(created.title).toBe("Office hours")
        expect(yield* transitionSweep).toBe(1)
        return (yield* enqueued).map((t) => t.event)
      }).pipe(Effect.provide(services))
    }).pipe(Effect.provide(TestContext.TestContext)))
    expect(events.length).toBeGreaterThan(0)
    for (const event of events) {
      expect(event).toMatchObject({ type: "booking.held", bookingId: "tr_titled", title: "Office hours", tz: "UTC" })
      expect(JSON.stringify(event)).toContain("+49 30 1234567")
    }
  })

  it("a guest's proposal tells the host, whose links accept the new time or keep the old one, each once", async () => {
    const notice = proposalNotification({
      id: "tr_prop",
      sequence: 1,
      hostDid: HOST,
      guestDid: GUEST,
      startAt: T0 + 86_400_000,
      endAt: T0 + 86_400_000 + 30 * MIN,
      tz: "Europe/Berlin",
      proposedStartAt: T0 + 2 * 86_400_000,
      proposedEndAt: T0 + 2 * 86_400_000 + 30 * MIN,
      proposedAt: T0
    }, "a clash")!
    expect(notice.recipients).toEqual([{ did: HOST }])
    const tasks = await Effect.runPromise(Effect.gen(function*() {
      const { layer, enqueued } = yield* makeNotifyOutboxTest
      return yield* Effect.gen(function*() {
        yield* verified(HOST, "host@example.com")
        yield* verified(GUEST, "guest@example.com")
        yield* Effect.flatMap(NotifyOutbox, (o) => o.enqueue(notice))
        return yield* enqueued
      }).pipe(Effect.provide(Layer.mergeAll(people, layer.pipe(Layer.provide(WebhookSubscriptionsRepoLive.pipe(Layer.provide(d1)))))))
    }))
    expect(tasks.every((t) => t.recipientDid === HOST)).toBe(true)
    const [mail, ...more] = await deliver(tasks)
    expect(more).toEqual([])
    expect(mail!.to).toBe("host@example.com")
    expect(mail!.subject).toMatch(/ asks to move Meeting, /)
    // the meeting's time and the proposed one, in the host's zone (Berlin: UTC+1 in February)
    expect(mail!.text).toMatch(/When: Tue 9 Feb 2027, 10:00–10:30 \(Europe\/Berlin\)/)
    expect(mail!.text).toMatch(/Proposed: Wed 10 Feb 2027, 10:00–10:30 \(Europe\/Berlin\)/)
    expect(mail!.text).toContain("Reason given: a clash")
    expect(await deliver(tasks, 2)).toEqual([])

    // the links act as the host through the booking engine: accept-move → confirmReschedule, keep-time → declineReschedule
    const performed: Array<string> = []
    const lifecycle = Layer.succeed(BookingLifecycle, new Proxy({}, {
      get: (_t, name) => (command: { bookingId: string; callerDid: string }) =>
        Effect.sync(() => {
          performed.push(`${String(name)} ${command.bookingId} ${command.callerDid}`)
          return { status: "rescheduled" }
        })
    }) as never)
    const open = (url: string, method: "GET" | "POST") =>
      Effect.runPromise(handleActionLink(new Request(url, { method, redirect: "manual" })).pipe(Effect.provide(Layer.mergeAll(people, root, lifecycle))))
    const accept = linkIn(mail!.text, "accept-move")!
    const keep = linkIn(mail!.text, "keep-time")!
    expect((await open(accept, "GET")).status).toBe(200) // a page with a button: a scanner's GET does nothing
    expect(performed).toEqual([])
    expect((await open(accept, "POST")).status).toBe(200)
    expect((await open(accept, "POST")).status).toBe(410)
    expect((await open(keep, "POST")).status).toBe(200)
    expect(performed).toEqual([`confirmReschedule tr_prop ${HOST}`, `declineReschedule tr_prop ${HOST}`])
  })
})
