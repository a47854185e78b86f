// The end-to-end test: the whole system started as `npm run dev` starts it (scripts/dev.mjs, its own ports for
// the PLC, PDS, social graph stand-in and webhook receiver; the workers on 8787–8790) and used only through its
// public interfaces: PDS records, XRPC over HTTP, CalDAV servers (Radicale, one per person), the webhook receiver.
// Holds live 20 s here (OVERLAP_HOLD_TTL_MS → HOLD_TTL_MS) so that expiry can be watched.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { allDevPorts, devUrls, type DevSystem, portInUse, startDevSystem } from "../../scripts/devSystem.mjs"
import { connectCaldav, runJourney, tomorrowAt } from "../../scripts/journey.mjs"
import {
  burst, createAccounts, dayAt, holdsOf, mapLimit, overlapsOf, prepareAvailability, prepareMatch, publishOffer as publishAndTime
} from "../../scripts/load.mjs"
import { startRadicale, type Radicale } from "../../scripts/localRadicale.mjs"
import { type Account, createAccount, expectStatus, putRecord, waitFor, xrpc } from "../../scripts/overlapClient.mjs"
import { checkWithPython } from "../notify/icalendarCheck"

const HOLD_TTL_MS = 20_000
const { appviewUrl, pdsUrl, receiverUrl, chatUrl, wranglerUrl } = devUrls

let system: DevSystem | undefined
const radicales: Array<Radicale> = []

beforeAll(async () => {
  system = await startDevSystem({ vars: { OVERLAP_HOLD_TTL_MS: String(HOLD_TTL_MS) } })
})

afterAll(async () => {
  for (const r of radicales) await r.stop().catch(() => {})
  await system?.stop()
  // nothing left listening
  const left = []
  for (const port of allDevPorts()) if (await portInUse(port)) left.push(port)
  expect(left, "ports still in use after stopping the system").toEqual([])
})

const person = async (prefix: string, withCalendar = true) => {
  const account = await createAccount(pdsUrl, prefix)
  if (!withCalendar) return { account, calendar: undefined }
  const server = await startRadicale({ username: prefix, password: `${prefix}-app-password` })
  radicales.push(server)
  return { account, calendar: await connectCaldav(appviewUrl, account, server) }
}

const publishOffer = async (host: Account, policy: string, start: string, end: string) => {
  const uri = await putRecord(host, "app.overlap.slotOffer", { start, end, policy, tz: "Europe/Berlin" })
  await waitFor("the offer to be indexed", async () =>
    expectStatus(await xrpc(appviewUrl, host, "app.overlap.getOffers", { params: { host: host.did } }), 200, "getOffers").offers.some((o: { uri: string }) => o.uri === uri),
  { timeoutMs: 60_000, intervalMs: 1_000 })
  return uri
}

const constraintsFor = (start: string, end: string) => ({ durationMin: 30, durationMax: 30, tz: "Europe/Berlin", earliest: start, latest: end })

describe("Overlap end to end", () => {
  it("the journey: offer → indexed → availability → hold on both calendars → finalize → invitation + signed webhook → reschedule → cancel", async () => {
    const steps: Array<string> = []
    const { host, guest, bookingId, notices } = await runJourney({ appviewUrl, pdsUrl, receiverUrl, chatUrl, wranglerUrl, useRadicale: true, say: (line) => steps.push(line) })
    expect(steps.length).toBeGreaterThanOrEqual(19)

    // both people's e-mails (the dev printer) for confirm → reschedule → cancel, the invitation in each read by
    // python3-icalendar, not the library that wrote it: REQUEST, REQUEST with SEQUENCE + 1, CANCEL; mailto: both
    const { hostAddress, guestAddress, mails } = notices
    const steps3 = [["confirmed", "REQUEST"], ["rescheduled", "REQUEST"], ["canceled", "CANCEL"]] as const
    const sequences: Array<number> = []
    let uid: string | undefined
    for (const [step, method] of steps3) {
      const [toHost, toGuest] = mails[step]
      expect(toHost!.to).toEqual([hostAddress])
      expect(toGuest!.to).toEqual([guestAddress])
      const checked = [toHost!, toGuest!].map((mail) => checkWithPython(mail.calendar!.ics))
      for (const [i, calendar] of checked.entries()) {
        expect(calendar.method, `${step} to ${i === 0 ? "host" : "guest"}`).toBe(method)
        expect(calendar.events).toHaveLength(1)
        const event = calendar.events[0]!
        expect(event.organizer.value).toBe(`mailto:${hostAddress}`)
        expect(event.attendees.map((a) => a.value)).toEqual([`mailto:${guestAddress}`])
        expect(event.hostDid).toBe(host.did)
        expect(event.guestDid).toBe(guest.did)
        expect(event.uid).toContain(bookingId)
        if (method === "REQUEST") expect(event.attendees[0]!.params).toMatchObject({ RSVP: "TRUE" })
        uid ??= event.uid
        expect(event.uid, "one UID for the meeting's whole life").toBe(uid)
      }
      expect(checked[0]!.events[0]!.sequence).toBe(checked[1]!.events[0]!.sequence)
      sequences.push(checked[0]!.events[0]!.sequence)
      // the mail itself: the calendar method on the part, one-click unsubscribe
      expect(toGuest!.calendar!.method).toBe(method)
      expect(toGuest!.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click")
    }
    expect(sequences[1]).toBe(sequences[0]! + 1)
    expect(sequences[2]).toBeGreaterThan(sequences[1]!)
    // the host kept the time of the guest's proposal: the guest alone is told
    expect(mails.notMoved.to).toEqual([guestAddress])
    // a reminder each, from the cron run at a fixed time; none after the meeting was canceled
    expect(mails.reminder.map((m) => m.to[0])).toEqual([hostAddress, guestAddress])
    // DMs at the chat stand-in for the guest only (the host did not turn them on)
    expect(notices.dms.filter((m) => m.recipients.includes(guest.did)).length).toBeGreaterThanOrEqual(4)
    expect(notices.dms.filter((m) => m.recipients.includes(host.did))).toEqual([])
  })

  it("a guest below the offer's tier is refused (mutual offer, guest only follows the host)", async () => {
    const { account: host } = await person("tierhost", false)
    const { account: guest } = await person("tierguest", false)
    await putRecord(guest, "app.bsky.graph.follow", { subject: host.did })
    const start = tomorrowAt("08:00", 2)
    const end = tomorrowAt("12:00", 2)
    const offerUri = await publishOffer(host, "mutual", start, end)
    // the guest does not even see the offer …
    const offers = expectStatus(await xrpc(appviewUrl, guest, "app.overlap.getOffers", { params: { host: host.did } }), 200, "getOffers")
    expect(offers.offers).toEqual([])
    // … and cannot book it
    const refused = await xrpc(appviewUrl, guest, "app.overlap.match", { body: { hostDid: host.did, offerUri, constraints: constraintsFor(start, end) } })
    expect(refused.status).toBe(403)
    expect(refused.body.error).toBe("TierNotMet")
    // once the host follows back, the same guest may
    await putRecord(host, "app.bsky.graph.follow", { subject: guest.did })
    // (the relationship is cached for up to 120 s in GRAPH_CACHE, so a fresh guest shows the allowed side)
    const { account: friend } = await person("tierfriend", false)
    await putRecord(friend, "app.bsky.graph.follow", { subject: host.did })
    await putRecord(host, "app.bsky.graph.follow", { subject: friend.did })
    const allowed = await xrpc(appviewUrl, friend, "app.overlap.match", { body: { hostDid: host.did, offerUri, constraints: constraintsFor(start, end) } })
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(200)
  })

  it("two guests racing for the only slot: one holds it, the other gets a clear refusal (never an overlap)", async () => {
    const { account: host } = await person("racehost")
    const a = await person("racea", false)
    const b = await person("raceb", false)
    const start = tomorrowAt("09:00", 3)
    const end = tomorrowAt("09:30", 3)
    const offerUri = await publishOffer(host, "anyone", start, end)
    const [ra, rb] = await Promise.all([a, b].map(({ account }) =>
      xrpc(appviewUrl, account, "app.overlap.match", { body: { hostDid: host.did, offerUri, constraints: constraintsFor(start, end) } })))
    const results = [ra!, rb!]
    const held = results.filter((r) => r.status === 200)
    const refused = results.filter((r) => r.status !== 200)
    expect(held.length, JSON.stringify(results.map((r) => [r.status, r.body]))).toBe(1)
    expect(refused[0]!.status).toBe(409)
    expect(refused[0]!.body.error).toBe("NoSlotAvailable")
    // the slot, also on the guest's and the host's wall clock (issue 15 item 6)
    expect(held[0]!.body.result.slot).toMatchObject({ start, end, guest: { tz: "Europe/Berlin" }, host: { tz: "Europe/Berlin" } })
    expect(Date.parse(held[0]!.body.result.slot.guest.start)).toBe(Date.parse(start))
  })

  it("a hold left alone expires and disappears from both calendars", async () => {
    const host = await person("exphost")
    const guest = await person("expguest")
    const start = tomorrowAt("08:00", 4)
    const end = tomorrowAt("12:00", 4)
    const offerUri = await publishOffer(host.account, "anyone", start, end)
    const hold = expectStatus(await xrpc(appviewUrl, guest.account, "app.overlap.match", {
      body: { hostDid: host.account.did, offerUri, constraints: constraintsFor(start, end) }
    }), 200, "match").result
    const ttl = Date.parse(hold.expiresAt) - Date.now()
    expect(ttl).toBeLessThanOrEqual(HOLD_TTL_MS)
    for (const cal of [host.calendar!, guest.calendar!]) expect((await cal.events(hold.bookingId)).map((e) => e.status)).toEqual(["TENTATIVE"])
    const expired = await waitFor("the booking to expire", async () => {
      const view = expectStatus(await xrpc(appviewUrl, guest.account, "app.overlap.getBooking", { params: { id: hold.bookingId } }), 200, "getBooking").booking
      return view.status === "expired" ? view : undefined
    }, { timeoutMs: HOLD_TTL_MS + 60_000, intervalMs: 2_000 })
    expect(expired.status).toBe("expired")
    for (const cal of [host.calendar!, guest.calendar!]) {
      await waitFor("the hold to leave the calendar", async () => (await cal.events(hold.bookingId)).length === 0, { timeoutMs: 30_000 })
    }
    // and finalize now is refused
    const late = await xrpc(appviewUrl, host.account, "app.overlap.finalize", { body: { bookingId: hold.bookingId } })
    expect(late.status).toBeGreaterThanOrEqual(400)
  })

  it("a bad request gets a 400 naming the field", async () => {
    const { account: host } = await person("badhost", false)
    const { account: guest } = await person("badguest", false)
    const tooShort = await xrpc(appviewUrl, guest, "app.overlap.match", {
      body: { hostDid: host.did, constraints: { durationMin: 2, durationMax: 30, tz: "Europe/Berlin" } }
    })
    expect(tooShort.status).toBe(400)
    expect(tooShort.body.error).toBe("InvalidRequest")
    expect(tooShort.body.message).toMatch(/durationMin/)
    const noHost = await xrpc(appviewUrl, guest, "app.overlap.getAvailability", { params: { durationMin: 30 } })
    expect(noHost.status).toBe(400)
    expect(noHost.body.message).toMatch(/^host/)
    const noKey = await xrpc(appviewUrl, guest, "app.overlap.cancel", { body: { bookingId: "nope" }, idempotencyKey: null })
    expect(noKey.status).toBe(400)
    expect(noKey.body.message).toMatch(/Idempotency-Key/i)
  })

  it("a burst (100 match + 100 getAvailability from 50 guests at one host) gets no 5xx and no hang, every caller an answer, never two holds on one time, and ingest keeps indexing", async () => {
    const [host] = await createAccounts(pdsUrl, "bursthost", 1)
    const guests = await createAccounts(pdsUrl, "burstguest", 50)
    const window = { start: dayAt(5, "08:00"), end: dayAt(5, "12:00") }
    const offer = await publishAndTime(appviewUrl, host!, window)
    // two of each per guest, tokens minted first, then everything at once
    const calls = await mapLimit(guests.flatMap((guest) => [guest, guest]), 16, async (guest) => [
      await prepareMatch(appviewUrl, guest, host!, offer, window),
      await prepareAvailability(appviewUrl, guest, host!, offer, window)
    ])
    const outcome = await burst(appviewUrl, calls.flat())
    const summary = JSON.stringify({ first: outcome.firstStatuses, final: outcome.statuses, p99: outcome.p99, health: outcome.health })
    expect(outcome.requests).toBe(200)
    expect(outcome.hangs, summary).toBe(0)
    expect(outcome.networkErrors, summary).toBe(0)
    const serverErrors = outcome.results.filter((r) => typeof r.status === "number" && r.status >= 500)
    expect(serverErrors.map((r) => `${r.status} ${JSON.stringify(r.body)}`), summary).toEqual([])
    // a client that honours Retry-After on Overloaded gets a real answer in the end
    expect(outcome.results.filter((r) => r.body?.error === "Overloaded").length, summary).toBe(0)
    // every refusal is a clear XRPC error
    for (const r of outcome.results.filter((r) => typeof r.status === "number" && r.status >= 400)) {
      expect(r.body, `${r.status}`).toEqual({ error: expect.any(String), message: expect.any(String) })
    }
    const { holds } = await holdsOf(appviewUrl, outcome.results.filter((r) => r.call.nsid === "app.overlap.match"))
    // at least one guest got a hold, and no two holds were ever live on overlapping times (holds live 20 s here,
    // so a slot can be held again once the first hold has expired)
    expect(holds.length).toBeGreaterThanOrEqual(1)
    expect(overlapsOf(holds)).toEqual([])
    // ingest still works: an offer written right after the burst is indexed
    const after = await publishAndTime(appviewUrl, host!, { start: dayAt(6, "08:00"), end: dayAt(6, "09:00") }, { timeoutMs: 30_000 })
    expect(after.indexedMs).toBeLessThan(30_000)
  })
})
