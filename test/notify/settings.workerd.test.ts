import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import PostalMime from "postal-mime"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import worker from "../../src/entry/notify"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { handleActionLink } from "../../src/features/notify/actionLinkRoute"
import { ActionLinksLive } from "../../src/adapters/d1/ActionLinksLive"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { NotifySettingsLive } from "../../src/adapters/d1/NotifySettingsLive"
import { RateLimiterLive } from "../../src/adapters/objects/RateLimiterLive"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { TokenVaultLive } from "../../src/adapters/crypto/TokenVaultLive"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import type { EmailTask, NotifyTask } from "../../src/domain/notify/task"
import { EmailVerifications } from "../../src/services/EmailVerifications"
import { BookingLifecycle } from "../../src/services/BookingLifecycle"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "../api/xrpcTestKit"
import { bookingEvent } from "./fixtures"

// Issue 16 items 2, 3 and 6 through the front doors, inside workerd over the real D1 and TokenVault: the XRPC
// methods app.overlap.notify.* (service auth, owner only, a 400 naming the field), the verification mail sent
// by the notify worker's real queue handler, its link opened on the AppView's /act/ route (once), then a
// booking mail to the person's DID going to the verified address with the iMIP invitation, honouring the
// preferences and the removal of the address. What is stood in for: the send_email binding (a recorder, as
// miniflare's) and the queue between the two workers (the verification task is handed over as a batch).

let alice: TestAccount, bob: TestAccount
let xrpc: XrpcHandler
let runtime: ManagedRuntime.ManagedRuntime<any, never>
const queued: Array<EmailTask> = []
const root = CloudflareEnv.layer({ ...env, PUBLIC_URL: "https://overlap.test" } as unknown as Env)
const people = Layer.mergeAll(NotifySettingsLive, ActionLinksLive).pipe(Layer.provide(Layer.mergeAll(D1Live, TokenVaultLive).pipe(Layer.provideMerge(root))))

beforeAll(async () => {
  ;[alice, bob] = await Promise.all([makeAccount("ntalice"), makeAccount("ntbob")])
  const repositories = RepositoriesLive.pipe(Layer.provide(root))
  const services = Layer.mergeAll(
    repositories,
    serviceAuthFor([alice, bob])(repositories),
    RateLimiterLive.pipe(Layer.provide(root)),
    people,
    Layer.succeed(EmailVerifications, EmailVerifications.of({
      request: (did) => Effect.sync(() => void queued.push({ channel: "email", id: `email.verify:${queued.length}`, target: did, recipientDid: did, event: { type: "email.verify", at: Date.now(), icsKey: null } }))
    }))
  )
  runtime = ManagedRuntime.make(services)
  xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext((await runtime.runtime()).context)))
})

afterAll(async () => {
  await xrpc?.dispose()
  await runtime?.dispose()
})

let keys = 0
const call = async (nsid: string, as: TestAccount, body?: unknown) => {
  const headers: Record<string, string> = { "cf-connecting-ip": "192.0.2.61", authorization: `Bearer ${await as.token(nsid)}` }
  if (body !== undefined) Object.assign(headers, { "content-type": "application/json", "idempotency-key": `nt-${Date.now()}-${++keys}-abcdef` })
  const response = await xrpc.handle(new Request(`http://appview.test/xrpc/${nsid}`, {
    method: body !== undefined ? "POST" : "GET",
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  }))
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

/** The notify worker's queue handler on one batch, with the e-mails it sends recorded. */
const notify = async (tasks: ReadonlyArray<NotifyTask>) => {
  const emails: Array<{ to: string; raw: string }> = []
  const testEnv = {
    ...env,
    PUBLIC_URL: "https://overlap.test",
    EMAIL_FROM: "invitations@overlap.test",
    EMAIL: {
      send: async (message: EmailMessage) => {
        const raw = (message as unknown as Record<string, unknown>)["EmailMessage::raw"]
        emails.push({ to: message.to, raw: typeof raw === "string" ? raw : await new Response(raw as ReadableStream).text() })
      }
    }
  } as unknown as Env
  const batch = createMessageBatch<unknown>("notify-tasks", tasks.map((body, i) => ({ id: `m${i}`, attempts: 1, body, timestamp: new Date() })))
  const ctx = createExecutionContext()
  await worker.queue(batch, testEnv)
  const result = await getQueueResult(batch, ctx)
  expect(result.retryMessages).toEqual([])
  return emails
}

/** Opens a one-click link on the AppView's /act/ route. */
const open = (url: string, method: "GET" | "POST" = "GET") =>
  Effect.runPromise(handleActionLink(new Request(url, { method, redirect: "manual" })).pipe(
    Effect.provide(Layer.mergeAll(people, root, Layer.succeed(BookingLifecycle, {} as never)))
  ))

const linkIn = (text: string, action: string) => text.match(new RegExp(`https://overlap\\.test/act/${action}\\?[^\\s]+`))![0]

describe("app.overlap.notify.* and the verification link", () => {
  it("an address is entered, verified once by its link, used for booking mails with the iMIP invitation, honours preferences and is removed in one call", async () => {
    // bad input: a 400 naming the field
    const bad = await call("app.overlap.notify.putEmail", alice, { email: "not an address" })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ error: "InvalidRequest", message: expect.stringMatching(/^email/) })

    const put = await call("app.overlap.notify.putEmail", alice, { email: "alice@example.com" })
    expect(put.status).toBe(200)
    expect(put.body.email).toEqual({ address: "alice@example.com", verified: false })
    // the owner sees it; another person sees only their own (none)
    expect((await call("app.overlap.notify.getSettings", alice)).body.email).toEqual({ address: "alice@example.com", verified: false })
    expect((await call("app.overlap.notify.getSettings", bob)).body.email).toBeUndefined()
    // sealed in D1: the plaintext address is nowhere in the row
    const row = await env.DB.prepare("SELECT * FROM notify_settings WHERE did = ?").bind(alice.did).first()
    expect(JSON.stringify(row)).not.toContain("alice@example.com")

    // before verification, a booking mail to Alice is skipped (no e-mail to an unverified address)
    const confirmed = bookingEvent({ hostDid: alice.did, guestDid: bob.did, at: Date.now(), title: "Intro", location: "Room 4", hostName: "alice.test", guestName: "bob.test" })
    const toAlice: EmailTask = { channel: "email", id: `bk_nt:1:booking.confirmed`, target: alice.did, recipientDid: alice.did, event: confirmed }
    expect(await notify([toAlice])).toEqual([])

    // the verification mail goes to the pending address; its link verifies once
    expect(queued).toHaveLength(1)
    const [verifyMail] = await notify([queued[0]!])
    expect(verifyMail!.to).toBe("alice@example.com")
    const link = linkIn((await PostalMime.parse(verifyMail!.raw)).text!, "verify-email")
    expect(link).not.toContain("alice%40example.com")
    expect((await open(link)).status).toBe(200)
    expect((await open(link)).status).toBe(410)
    expect((await call("app.overlap.notify.getSettings", alice)).body.email).toEqual({ address: "alice@example.com", verified: true })

    // now the booking mail goes (a new notification id: the skipped one stays skipped), with the invitation
    const [mail] = await notify([{ ...toAlice, id: "bk_nt:2:booking.confirmed", event: { ...confirmed, sequence: 2 } }])
    expect(mail!.to).toBe("alice@example.com")
    const parsed = await PostalMime.parse(mail!.raw)
    expect(parsed.subject).toMatch(/^Confirmed: Intro with bob\.test, /)
    expect(parsed.headers.find((h) => h.key === "list-unsubscribe-post")?.value).toBe("List-Unsubscribe=One-Click")
    const ics = parsed.attachments.find((a) => a.filename === "invite.ics")!
    // (python3-icalendar reads these files in imip.test.ts; workerd has no subprocess, so the lines are read here)
    const unfolded = (typeof ics.content === "string" ? ics.content : new TextDecoder().decode(ics.content as ArrayBuffer)).replace(/\r?\n[ \t]/g, "")
    expect(unfolded).toMatch(/^METHOD:REQUEST\r?$/m)
    expect(unfolded).toMatch(/^ORGANIZER;[^\r\n]*:mailto:alice@example\.com\r?$/m)
    // Bob has no verified address: he is named by DID, never by someone else's address
    expect(unfolded).toMatch(new RegExp(`^ATTENDEE;[^\\r]*RSVP=TRUE:${bob.did}\\r?$`, "m"))
    // its view link works once and leads to the meeting's page
    const view = linkIn(parsed.text!, "view")
    const first = await open(view)
    expect(first.status).toBe(303)
    expect(first.headers.get("location")).toBe("https://overlap.test/bookings/bk_01HXYZ")
    expect((await open(view)).status).toBe(410)

    // the privacy scan: after entering, verifying and sending, the address is in no column of any D1 table
    // (notify_settings, notify_deliveries, notify_link_uses, … — every table the migrations made)
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>()
    expect(tables.results.map((t) => t.name)).toEqual(expect.arrayContaining(["notify_settings", "notify_deliveries", "notify_link_uses", "notify_reminders"]))
    for (const { name } of tables.results) {
      const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all()
      const text = JSON.stringify(rows.results, (_k, v) => (v instanceof ArrayBuffer ? new TextDecoder().decode(v) : v))
      expect(text, name).not.toContain("alice@example.com")
      expect(text, name).not.toContain("alice%40example.com")
    }

    // preferences: a bad kind is a 400 naming the field; turning "confirmed" off stops that mail
    const wrong = await call("app.overlap.notify.putPreferences", alice, {
      email: { enabled: true, kinds: ["confirmed", "confirmed"] }, dm: { enabled: false, kinds: [] }, reminders: { enabled: true, minutesBefore: [60] }
    })
    expect(wrong.status).toBe(400)
    expect(wrong.body.message).toMatch(/^email\.kinds/)
    const zone = await call("app.overlap.notify.putPreferences", alice, {
      email: { enabled: true, kinds: ["held"] }, dm: { enabled: false, kinds: [] }, reminders: { enabled: true, minutesBefore: [60] }, timeZone: "Mars/Base"
    })
    expect(zone.status).toBe(400)
    expect(zone.body.message).toMatch(/^timeZone/)
    // the one-click unsubscribe (RFC 8058 POST) turns the kind off
    const unsubscribe = linkIn(parsed.text!, "unsubscribe")
    expect((await open(unsubscribe, "POST")).status).toBe(200)
    expect((await call("app.overlap.notify.getSettings", alice)).body.preferences.email.kinds).not.toContain("confirmed")
    expect(await notify([{ ...toAlice, id: "bk_nt:3:booking.confirmed", event: { ...confirmed, sequence: 3 } }])).toEqual([])

    // removal in one call: nothing is sent any more
    const removed = await call("app.overlap.notify.deleteEmail", alice, {})
    expect(removed.status).toBe(200)
    expect(removed.body.email).toBeUndefined()
    expect(await notify([{ ...toAlice, id: "bk_nt:4:booking.rescheduled", event: { ...confirmed, type: "booking.rescheduled", sequence: 4 } }])).toEqual([])
  })

  it("a forged or altered link is refused", async () => {
    expect((await open("https://overlap.test/act/view?did=did:plc:x&t=v1.abc.def.ghi.jkl")).status).toBe(400)
    expect((await open("https://overlap.test/act/nonsense")).status).toBe(400)
  })
})
