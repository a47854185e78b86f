// The booking journey of `npm run demo`, as a function the end-to-end test runs too. Every step goes through a
// public interface (PDS records, XRPC over HTTP, the CalDAV servers, the dev webhook receiver) and throws when
// what it expects does not happen. `say` gets one line per step, written for a person.
import { spawnSync } from "node:child_process"
import path from "node:path"
import {
  calendarOn, createAccount, deliveriesOn, expectStatus, putRecord, waitFor, xrpc
} from "./overlapClient.mjs"
import { radicaleInstalled, startRadicale } from "./localRadicale.mjs"
import { awaitDm, awaitInvitation, awaitMail, dmsOn, enrollForNotices, mailsOn, runMinuteCron } from "./journeyNotices.mjs"

const root = path.resolve(import.meta.dirname, "..")

export const defaultUrls = () => ({
  appviewUrl: process.env.OVERLAP_APPVIEW_URL ?? "http://localhost:8787",
  pdsUrl: process.env.OVERLAP_PDS_URL ?? `http://localhost:${process.env.OVERLAP_PDS_PORT ?? 2583}`,
  receiverUrl: process.env.OVERLAP_RECEIVER_URL ?? `http://127.0.0.1:${process.env.OVERLAP_RECEIVER_PORT ?? 8791}`,
  chatUrl: `http://127.0.0.1:${process.env.OVERLAP_CHAT_PORT ?? 2585}`,
  wranglerUrl: `http://127.0.0.1:${process.env.OVERLAP_WRANGLER_PORT ?? 8786}`
})

/** Tomorrow (UTC) at hh:mm as an ISO instant. */
export const tomorrowAt = (hhmm, plusDays = 1) => {
  const day = new Date(Date.now() + plusDays * 86_400_000).toISOString().slice(0, 10)
  return new Date(`${day}T${hhmm}:00.000Z`).toISOString()
}

/** Connects a fresh Radicale server (one per person) as the account's CalDAV calendar. */
export const connectCaldav = async (appviewUrl, account, radicale) => {
  const calendar = await calendarOn(radicale)
  const res = await xrpc(appviewUrl, account, "app.overlap.connector.start", {
    body: { provider: "caldav", serverUrl: `${radicale.url}/`, username: radicale.username, appPassword: radicale.password }
  })
  expectStatus(res, 200, "connector.start (caldav)")
  return calendar
}

/** The invitation in local R2, read with wrangler's own R2 command against the dev state (.wrangler/state). */
export const readLocalIcs = (bookingId, sequence) => {
  const key = `overlap-blobs/ics/${bookingId}/${sequence}.ics`
  const out = spawnSync(path.join(root, "node_modules", ".bin", "wrangler"), ["r2", "object", "get", key, "--local", "--pipe", "-c", "wrangler.toml"], {
    cwd: root, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" }
  })
  return out.status === 0 && out.stdout.includes("BEGIN:VCALENDAR") ? out.stdout : undefined
}

/** Tomorrow (UTC date) at hh:mm on Berlin's wall clock, as an ISO instant (the offset read from Intl). */
const berlinAt = (hhmm) => {
  const guess = Date.parse(tomorrowAt(hhmm))
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Berlin", hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).formatToParts(guess).map((p) => [p.type, p.value]))
  const offset = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute) - guess
  return new Date(guess - offset).toISOString()
}
const WEEK = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

const overlaps = (a, b) => Date.parse(a.start) < Date.parse(b.end) && Date.parse(b.start) < Date.parse(a.end)
const fmt = (slot) => `${slot.start.slice(0, 16).replace("T", " ")}–${slot.end.slice(11, 16)} UTC`

/**
 * Plays the whole journey. Returns what a test may want to look at further.
 * @param {{ appviewUrl: string, pdsUrl: string, receiverUrl: string, chatUrl: string, wranglerUrl: string, say?: (line: string) => void, useRadicale?: boolean }} options
 */
export const runJourney = async ({ appviewUrl, pdsUrl, receiverUrl, chatUrl, wranglerUrl, say = () => {}, useRadicale = radicaleInstalled() }) => {
  const cleanup = []
  try {
    // 0. two people, each with their own calendar
    const host = await createAccount(pdsUrl, "host")
    const guest = await createAccount(pdsUrl, "guest")
    say(`Two people sign up on the local PDS: host ${host.handle} (${host.did}), guest ${guest.handle} (${guest.did}).`)
    // notifications (docs/notifications.md): both verify an e-mail address by its link; the guest turns DMs on
    const hostAddress = await enrollForNotices({ appviewUrl, receiverUrl, account: host })
    const guestAddress = await enrollForNotices({ appviewUrl, receiverUrl, account: guest, dm: true })
    say(`Both enter an e-mail address (${hostAddress}, ${guestAddress}) and open the link mailed to them: verified. The guest also turns Bluesky DMs on.`)
    const invitationOf = (address, method, sequence, what) =>
      awaitInvitation({ receiverUrl, address, bookingId, method, sequence, host: hostAddress, guest: guestAddress, what })
    const mails = {}
    let hostCal, guestCal
    if (useRadicale) {
      const hostServer = await startRadicale({ username: "host", password: "host-app-password" })
      cleanup.push(() => hostServer.stop())
      const guestServer = await startRadicale({ username: "guest", password: "guest-app-password" })
      cleanup.push(() => guestServer.stop())
      hostCal = await connectCaldav(appviewUrl, host, hostServer)
      guestCal = await connectCaldav(appviewUrl, guest, guestServer)
      say(`Both connect a CalDAV calendar (app.overlap.connector.start): host ${hostCal.calendarUrl}, guest ${guestCal.calendarUrl}.`)
    } else {
      say("Radicale is not installed: both use the local calendar (D1); calendar checks go through getBooking only.")
    }

    // the host already has something in their calendar tomorrow morning: Overlap must route around it
    const busy = { start: tomorrowAt("08:00"), end: tomorrowAt("10:00") }
    if (hostCal) {
      await hostCal.addBusy("dentist", new Date(busy.start), new Date(busy.end))
      say(`The host's calendar has a private appointment ${fmt(busy)} (Overlap will never show it).`)
    }

    // 1. webhook subscription for the host, pointing at the dev receiver
    const hookPath = `/demo/${host.handle}`
    const sub = expectStatus(await xrpc(appviewUrl, host, "app.overlap.webhook.createSubscription", { body: { url: `${receiverUrl}${hookPath}` } }), 200, "webhook.createSubscription")
    if (!sub.secret?.startsWith("whsec_")) throw new Error(`createSubscription: no whsec_ secret in ${JSON.stringify(sub)}`)
    say(`The host subscribes a webhook: ${receiverUrl}${hookPath} (subscription ${sub.subscription.id}, secret shown once).`)

    // 2. the guest follows the host (a real app.bsky.graph.follow record): the offer is for followers
    await putRecord(guest, "app.bsky.graph.follow", { subject: host.did })
    const window = { start: tomorrowAt("08:00"), end: tomorrowAt("16:00") }
    const offerUri = await putRecord(host, "app.overlap.slotOffer", { ...window, policy: "follower", tz: "Europe/Berlin", note: "Office hours" })
    say(`The guest follows the host. The host publishes an offer for followers, ${fmt(window)}: ${offerUri}`)

    // 3. the firehose worker indexes it
    const t0 = Date.now()
    const offer = await waitFor("the offer to be indexed (getOffers)", async () => {
      const res = await xrpc(appviewUrl, guest, "app.overlap.getOffers", { params: { host: host.did } })
      return expectStatus(res, 200, "getOffers").offers.find((o) => o.uri === offerUri)
    }, { timeoutMs: 60_000, intervalMs: 1_000 })
    say(`The firehose worker indexed it (${((Date.now() - t0) / 1000).toFixed(1)} s): getOffers shows ${offer.policy}, ${fmt(offer)}.`)

    // 3b. weekly hours and an event type (docs/records.md): the record's start–end is its first window
    const weeklyUri = await putRecord(host, "app.overlap.slotOffer", {
      start: berlinAt("09:00"), end: berlinAt("12:00"), policy: "follower", tz: "Europe/Berlin", note: "Weekly hours",
      weekly: [{ days: WEEK, start: "09:00", end: "12:00" }, { days: WEEK, start: "13:00", end: "17:00" }]
    })
    await host.agent.com.atproto.repo.putRecord({
      repo: host.did, collection: "app.overlap.eventType", rkey: "intro",
      record: {
        $type: "app.overlap.eventType", name: "Intro call", slug: "intro", durations: [30, 60], policy: "follower",
        location: { $type: "app.overlap.defs#locationVideo", url: "https://video.example/intro" },
        offers: [offerUri, weeklyUri], createdAt: new Date().toISOString()
      }
    })
    say("The host publishes weekly hours (every day 09:00–12:00 and 13:00–17:00 Berlin time) and an event type \"intro\" (30 or 60 minutes, a video link, for followers, drawing on both offers).")
    const intro = await waitFor("the event type to be indexed (getEventTypes)", async () => {
      const res = await xrpc(appviewUrl, guest, "app.overlap.getEventTypes", { params: { host: host.did } })
      return expectStatus(res, 200, "getEventTypes").eventTypes.find((e) => e.slug === "intro")
    }, { timeoutMs: 60_000, intervalMs: 1_000 })
    await waitFor("the weekly offer to be indexed (getOffers)", async () => {
      const res = await xrpc(appviewUrl, guest, "app.overlap.getOffers", { params: { host: host.did, eventType: "intro" } })
      return expectStatus(res, 200, "getOffers").offers.find((o) => o.uri === weeklyUri && o.weekly?.length === 2)
    }, { timeoutMs: 60_000, intervalMs: 1_000 })
    const weeklyAvail = expectStatus(await xrpc(appviewUrl, guest, "app.overlap.getAvailability", {
      params: { host: host.did, eventType: "intro", offer: weeklyUri, durationMin: 60, earliest: tomorrowAt("00:00"), latest: tomorrowAt("00:00", 2), tz: "America/New_York" }
    }), 200, "getAvailability (weekly, eventType)")
    if (weeklyAvail.slots.length === 0) throw new Error("getAvailability under the event type: no slot in the weekly hours")
    for (const slot of weeklyAvail.slots) {
      const local = slot.host.start.slice(11, 16), localEnd = slot.host.end.slice(11, 16)
      const inHours = (local >= "09:00" && localEnd <= "12:00") || (local >= "13:00" && localEnd <= "17:00")
      if (slot.host.tz !== "Europe/Berlin" || !inHours) throw new Error(`a slot outside the weekly hours: ${JSON.stringify(slot)}`)
      if (Date.parse(slot.end) - Date.parse(slot.start) !== 60 * 60_000) throw new Error(`not one of the event type's lengths: ${JSON.stringify(slot)}`)
      if (slot.guest.tz !== "America/New_York" || Date.parse(slot.guest.start) !== Date.parse(slot.start)) throw new Error(`guest zone form wrong: ${JSON.stringify(slot)}`)
    }
    say(`getEventTypes shows "${intro.name}" (${intro.durations.join(" or ")} min); under it the guest sees ${weeklyAvail.slots.length} hour-long slots in the weekly hours, each in both zones, e.g. ${weeklyAvail.slots[0].host.start} for the host = ${weeklyAvail.slots[0].guest.start} for a guest in New York.`)

    // 3c. the host's own rules (private settings, docs/host-rules.md): buffers, a daily cap, notice for "intro"
    const settings = {
      timeZone: "Europe/Berlin",
      rules: { bufferBeforeMin: 10, bufferAfterMin: 10, maxBookingsPerDay: 3 },
      eventTypes: [{ eventType: "intro", rules: { minimumNoticeMin: 120 } }]
    }
    expectStatus(await xrpc(appviewUrl, host, "app.overlap.settings.put", { body: settings }), 200, "settings.put")
    const saved = expectStatus(await xrpc(appviewUrl, host, "app.overlap.settings.get"), 200, "settings.get").settings
    if (JSON.stringify(saved) !== JSON.stringify(settings)) throw new Error(`settings.get: ${JSON.stringify(saved)}`)
    const peek = await xrpc(appviewUrl, guest, "app.overlap.settings.get", { params: { host: host.did } })
    if (peek.status !== 403) throw new Error(`the guest read the host's settings: ${peek.status} ${JSON.stringify(peek.body)}`)
    say(`The host sets their own rules (app.overlap.settings.put; private, in Overlap's database, never in a record): ${JSON.stringify(saved.rules)}, for "intro" ${JSON.stringify(saved.eventTypes[0].rules)}, read in ${saved.timeZone}. The guest's settings.get for the host is refused (${peek.status} ${peek.body?.error}).`)

    // 4. availability: candidate slots only
    const constraints = { durationMin: 30, durationMax: 30, tz: "Europe/Berlin", earliest: window.start, latest: window.end }
    const avail = expectStatus(await xrpc(appviewUrl, guest, "app.overlap.getAvailability", {
      params: { host: host.did, offer: offerUri, durationMin: 30, earliest: window.start, latest: window.end, tz: "Europe/Berlin" }
    }), 200, "getAvailability")
    const keys = Object.keys(avail).sort().join(",")
    if (keys !== "slots") throw new Error(`getAvailability answered more than slots: ${keys}`)
    // each slot: UTC start/end and the same in the guest's and the host's zone (issue 15 item 6), nothing else
    if (avail.slots.length === 0 || avail.slots.length > 5) throw new Error(`getAvailability: ${avail.slots.length} slots`)
    for (const slot of avail.slots) {
      if (Object.keys(slot).sort().join(",") !== "end,guest,host,start") throw new Error(`a slot carries more than start/end and its two zone forms: ${JSON.stringify(slot)}`)
      if (Date.parse(slot.start) < Date.parse(window.start) || Date.parse(slot.end) > Date.parse(window.end)) throw new Error(`slot outside the offer: ${fmt(slot)}`)
      if (hostCal && overlaps(slot, busy)) throw new Error(`slot overlaps the host's private appointment: ${fmt(slot)}`)
    }
    say(`The guest asks for availability and sees ${avail.slots.length} candidate slots, nothing else: ${avail.slots.map(fmt).join(", ")}.`)

    // 5. match: a hold on both calendars
    // the guest books the event type "intro" (30 minutes, one of its lengths) in the office-hours window
    let matched = await xrpc(appviewUrl, guest, "app.overlap.match", { body: { hostDid: host.did, offerUri, eventType: "intro", constraints, note: "Let's talk" } })
    let hold
    if (matched.status === 202) {
      const token = matched.body.result.token
      say(`match answered 202 (pending, token ${token}); polling getMatchStatus…`)
      const status = await waitFor("the pending match to settle", async () => {
        const s = expectStatus(await xrpc(appviewUrl, guest, "app.overlap.getMatchStatus", { params: { token } }), 200, "getMatchStatus")
        return s.status === "pending" ? undefined : s
      }, { timeoutMs: 60_000, intervalMs: 2_000 })
      if (status.status !== "held") throw new Error(`match failed: ${JSON.stringify(status)}`)
      hold = status.hold
    } else {
      hold = expectStatus(matched, 200, "match").result
    }
    const bookingId = hold.bookingId
    say(`match holds ${fmt(hold.slot)} (booking ${bookingId}, hold expires ${hold.expiresAt}).`)
    const heldView = expectStatus(await xrpc(appviewUrl, host, "app.overlap.getBooking", { params: { id: bookingId } }), 200, "getBooking (host)").booking
    if (heldView.status !== "held") throw new Error(`getBooking after match: status ${heldView.status}`)
    if (hostCal) {
      for (const [who, cal] of [["host", hostCal], ["guest", guestCal]]) {
        const events = await cal.events(bookingId)
        if (events.length !== 1 || events[0].status !== "TENTATIVE" || events[0].start !== hold.slot.start) {
          throw new Error(`the ${who}'s calendar should show one TENTATIVE hold at ${hold.slot.start}: ${JSON.stringify(events)}`)
        }
      }
      say("Both calendars show a TENTATIVE hold at that time (read from the CalDAV servers).")
    }

    // 6. the host finalizes
    const finalized = expectStatus(await xrpc(appviewUrl, host, "app.overlap.finalize", { body: { bookingId } }), 200, "finalize").booking
    if (finalized.status !== "confirmed") throw new Error(`finalize: status ${finalized.status}`)
    say(`The host finalizes: booking ${finalized.status}, ${fmt(finalized.slot)}.`)
    if (hostCal) {
      for (const [who, cal] of [["host", hostCal], ["guest", guestCal]]) {
        await waitFor(`the ${who}'s calendar to show the CONFIRMED event`, async () => {
          const events = await cal.events(bookingId)
          return events.length === 1 && events[0].status === "CONFIRMED" && events[0].start === finalized.slot.start
        }, { timeoutMs: 15_000 })
      }
      say("Both calendars show the event CONFIRMED.")
    }

    // 7. the signed webhook delivery, then the invitation in R2 (the delivery names its sequence)
    const confirmed = await waitFor("a booking.confirmed webhook delivery", async () =>
      (await deliveriesOn(receiverUrl, hookPath, sub.secret)).find((d) => d.payload?.type === "booking.confirmed" && d.payload.data?.bookingId === bookingId),
    { timeoutMs: 60_000, intervalMs: 1_000 })
    if (!confirmed.verified) throw new Error("the booking.confirmed delivery's signature does not verify with the subscription's secret")
    if (confirmed.payload.data.start !== finalized.slot.start) throw new Error(`webhook time ${confirmed.payload.data.start} ≠ booking ${finalized.slot.start}`)
    say(`The webhook receiver got booking.confirmed (id ${confirmed.headers["webhook-id"]}); its Standard Webhooks signature verifies with the secret.`)
    const ics = readLocalIcs(bookingId, confirmed.payload.data.sequence)
    if (ics === undefined || !/METHOD:REQUEST/.test(ics) || !ics.includes(`SEQUENCE:${confirmed.payload.data.sequence}`)) {
      throw new Error(`no REQUEST invitation at R2 ics/${bookingId}/${confirmed.payload.data.sequence}.ics`)
    }
    say(`The invitation is in R2 at ics/${bookingId}/${confirmed.payload.data.sequence}.ics (METHOD:REQUEST; read with \`wrangler r2 object get --local\`).`)
    mails.confirmed = await Promise.all([hostAddress, guestAddress].map((a) => invitationOf(a, "REQUEST", confirmed.payload.data.sequence, "the confirmed invitation")))
    const confirmedDm = await awaitDm(chatUrl, guest.did, "the confirmed DM", (t) => t.includes(`booking ${bookingId}`) && t.includes(" is confirmed: "))
    say(`Both get an e-mail: "${mails.confirmed[0].subject}" / "${mails.confirmed[1].subject}", each with the invitation (METHOD:REQUEST, SEQUENCE:${confirmed.payload.data.sequence}, ORGANIZER mailto:${hostAddress}, ATTENDEE mailto:${guestAddress}); the guest also a DM: "${confirmedDm.text.split("\n")[0]}".`)

    // 8. the guest asks to move it to the afternoon: the host's rules keep moves with the host (guestsMayReschedule is
    //    off by default), so the guest's time is stored as a proposal for the host; the host declines it and moves it
    const later = { start: tomorrowAt("13:00"), end: tomorrowAt("16:00") }
    const rescheduleBody = { bookingId, constraints: { durationMin: 30, durationMax: 30, tz: "Europe/Berlin", earliest: later.start, latest: later.end }, reason: "Morning got busy" }
    const asked = expectStatus(await xrpc(appviewUrl, guest, "app.overlap.reschedule", { body: rescheduleBody }), 200, "a guest's reschedule (a proposal)")
    if (asked.proposed !== true || !asked.booking.proposal) throw new Error(`a guest's reschedule should be a proposal: ${JSON.stringify(asked)}`)
    say(`The guest may not move it themselves: ${fmt(asked.booking.proposal)} is proposed to the host; the meeting stays until the host confirms.`)
    const kept = expectStatus(await xrpc(appviewUrl, host, "app.overlap.declineReschedule", { body: { bookingId } }), 200, "declineReschedule").booking
    if (kept.proposal || kept.status !== "confirmed") throw new Error(`declineReschedule: ${JSON.stringify(kept)}`)
    say("The host declines the proposal (the meeting keeps its time) and moves it themselves.")
    mails.notMoved = await awaitMail(receiverUrl, guestAddress, "the guest told the proposal was not taken", (m) => m.subject.startsWith("Not moved:"))
    await awaitDm(chatUrl, guest.did, "the proposal-declined DM", (t) => t.includes(`booking ${bookingId}`) && t.includes(" at its time: the new time you proposed"))
    say(`The guest is told by e-mail ("${mails.notMoved.subject}") and DM that the proposed time was not taken.`)
    const moved = expectStatus(await xrpc(appviewUrl, host, "app.overlap.reschedule", { body: rescheduleBody }), 200, "reschedule").booking
    if (!moved.slot || Date.parse(moved.slot.start) < Date.parse(later.start)) throw new Error(`reschedule: ${JSON.stringify(moved)}`)
    say(`The host reschedules to the afternoon: booking ${moved.status}, now ${fmt(moved.slot)}.`)
    if (hostCal) {
      for (const [who, cal] of [["host", hostCal], ["guest", guestCal]]) {
        await waitFor(`the ${who}'s calendar to show only the new time`, async () => {
          const events = await cal.events(bookingId)
          return events.length === 1 && events[0].start === moved.slot.start
        }, { timeoutMs: 15_000 })
      }
      say("Both calendars moved: one event, at the new time.")
    }
    const rescheduledHook = await waitFor("a booking.rescheduled webhook delivery", async () =>
      (await deliveriesOn(receiverUrl, hookPath, sub.secret)).find((d) => d.verified && d.payload.type === "booking.rescheduled" && d.payload.data.bookingId === bookingId),
    { timeoutMs: 60_000, intervalMs: 1_000 })
    say("The webhook receiver got a signed booking.rescheduled.")
    const movedSequence = rescheduledHook.payload.data.sequence
    mails.rescheduled = await Promise.all([hostAddress, guestAddress].map((a) => invitationOf(a, "REQUEST", movedSequence, "the moved invitation")))
    await awaitDm(chatUrl, guest.did, "the moved DM", (t) => t.includes(`booking ${bookingId}`) && t.includes(" has moved to "))
    say(`Both get "${mails.rescheduled[1].subject}" with the updated invitation (METHOD:REQUEST, SEQUENCE:${movedSequence}, the same UID); the guest a DM too.`)

    // 8b. the reminder cron, run as if it were an hour before the new time (twice: a reminder is sent once)
    const reminderAt = Date.parse(moved.slot.start) - 60 * 60_000 + 30_000
    await runMinuteCron(wranglerUrl, reminderAt)
    mails.reminder = await Promise.all([hostAddress, guestAddress].map((a) =>
      awaitMail(receiverUrl, a, "the 1-hour reminder", (m) => m.subject.startsWith("Reminder:"))))
    await awaitDm(chatUrl, guest.did, "the reminder DM", (t) => t.includes(`booking ${bookingId}`) && t.startsWith("Reminder: "))
    await runMinuteCron(wranglerUrl, reminderAt + 60_000)
    say(`The reminder cron runs at ${new Date(reminderAt).toISOString()} (wrangler dev's /cdn-cgi/handler/scheduled with that time): both get "${mails.reminder[0].subject}", the guest a DM; run again a minute later it sends nothing more.`)

    // 9. the guest cancels
    const canceled = expectStatus(await xrpc(appviewUrl, guest, "app.overlap.cancel", { body: { bookingId, reason: "Something came up" } }), 200, "cancel").booking
    if (canceled.status !== "canceled") throw new Error(`cancel: status ${canceled.status}`)
    say(`The guest cancels: booking ${canceled.status}.`)
    if (hostCal) {
      for (const [who, cal] of [["host", hostCal], ["guest", guestCal]]) {
        await waitFor(`the ${who}'s calendar to drop the event`, async () => (await cal.events(bookingId)).length === 0, { timeoutMs: 15_000 })
      }
      say("Both calendars no longer show it.")
    }
    const canceledHook = await waitFor("a booking.canceled webhook delivery", async () =>
      (await deliveriesOn(receiverUrl, hookPath, sub.secret)).find((d) => d.verified && d.payload.type === "booking.canceled" && d.payload.data.bookingId === bookingId),
    { timeoutMs: 60_000, intervalMs: 1_000 })
    say("The webhook receiver got a signed booking.canceled.")
    mails.canceled = await Promise.all([hostAddress, guestAddress].map((a) => invitationOf(a, "CANCEL", canceledHook.payload.data.sequence, "the cancellation")))
    await awaitDm(chatUrl, guest.did, "the canceled DM", (t) => t.includes(`booking ${bookingId}`) && t.includes(" is canceled."))
    say(`Both get "${mails.canceled[0].subject}" with METHOD:CANCEL, SEQUENCE:${canceledHook.payload.data.sequence}; the guest a DM too.`)
    // once each: one reminder per person, and DMs only for the guest, who turned them on
    const allMails = await mailsOn(receiverUrl)
    for (const address of [hostAddress, guestAddress]) {
      const reminders = allMails.filter((m) => m.to.includes(address) && m.subject.startsWith("Reminder:"))
      if (reminders.length !== 1) throw new Error(`${address} got ${reminders.length} reminders, not 1`)
    }
    const dms = (await dmsOn(chatUrl)).filter((m) => m.recipients.includes(guest.did) || m.recipients.includes(host.did))
    if (dms.some((m) => m.recipients.includes(host.did))) throw new Error("the host got a DM without turning DMs on")
    const final = expectStatus(await xrpc(appviewUrl, guest, "app.overlap.getBooking", { params: { id: bookingId } }), 200, "getBooking (guest)").booking
    if (final.status !== "canceled") throw new Error(`getBooking at the end: ${final.status}`)
    return { host, guest, offerUri, bookingId, notices: { hostAddress, guestAddress, mails, dms } }
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => {})
  }
}
