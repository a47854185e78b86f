import PostalMime from "postal-mime"
import { describe, expect, it } from "vitest"
import { renderInvitation } from "../../src/domain/invitation"
import { bookingInvitation, type MeetingPeople } from "../../src/domain/notify/bookingInvitation"
import { bookingBody, bookingSubject } from "../../src/domain/notify/bookingMail"
import { buildNotificationEmail } from "../../src/domain/notify/email"
import type { BookingEvent } from "../../src/domain/notify/task"
import { bookingEvent, END, GUEST, HOST, START, STAMP } from "./fixtures"
import { checkWithPython } from "./icalendarCheck"

// The iMIP invitation each person receives (RFC 5545/5546/6047), read back by independent parsers: the
// iCalendar by Debian's python3-icalendar, the MIME by postal-mime. Neither wrote what they read.

const people: MeetingPeople = {
  host: { did: HOST, name: "Hana Host", email: "hana@example.com" },
  guest: { did: GUEST, name: "gus.example.com", email: "gus@example.org" }
}
const event = (overrides: Partial<BookingEvent> = {}): BookingEvent =>
  bookingEvent({
    at: STAMP,
    title: "Intro call",
    location: "Café Nord, Berlin",
    joinUrl: "https://meet.example.com/abc-def",
    hostName: "Hana Host",
    guestName: "gus.example.com",
    ...overrides
  })

const invite = (e: BookingEvent, side: "host" | "guest", who: MeetingPeople = people) => {
  const invitation = bookingInvitation(e, who, side, { url: "https://overlap.test/bookings/bk_01HXYZ", stampedAt: STAMP + 5 })
  expect(invitation).toBeDefined()
  return { invitation: invitation!, ics: renderInvitation(invitation!) }
}

const mail = (e: BookingEvent, side: "host" | "guest") => {
  const { invitation, ics } = invite(e, side)
  const zones = { host: "Europe/Berlin", guest: "America/New_York" }
  return buildNotificationEmail({
    from: "invitations@overlap.test",
    fromName: "Overlap",
    to: side === "host" ? "hana@example.com" : "gus@example.org",
    subject: bookingSubject(e, people, side, zones),
    text: bookingBody(e, people, side, zones, {
      view: "https://overlap.test/act/view?t=1",
      cancel: "https://overlap.test/act/cancel?t=2",
      unsubscribe: "https://overlap.test/act/unsubscribe?t=3"
    }),
    messageId: "<m1@overlap.app>",
    date: STAMP,
    invitation: { ics, method: invitation.method },
    unsubscribeUrl: "https://overlap.test/act/unsubscribe?t=3"
  })
}

describe("iMIP invitation, read by python3-icalendar", () => {
  it("confirmed: METHOD:REQUEST, mailto: organizer and attendee with CN, PARTSTAT, RSVP=TRUE and the DIDs in X- parameters", () => {
    const parsed = checkWithPython(invite(event(), "guest").ics)
    expect(parsed.method).toBe("REQUEST")
    expect(parsed.version).toBe("2.0")
    expect(parsed.events).toHaveLength(1)
    const [e] = parsed.events
    expect(e!.uid).toBe("bk_01HXYZ@overlap.app")
    expect(e!.sequence).toBe(1)
    expect(e!.status).toBe("CONFIRMED")
    expect(e!.organizer.value).toBe("mailto:hana@example.com")
    expect(e!.organizer.params).toMatchObject({ CN: "Hana Host", "X-OVERLAP-DID": HOST })
    expect(e!.attendees).toHaveLength(1)
    expect(e!.attendees[0]!.value).toBe("mailto:gus@example.org")
    expect(e!.attendees[0]!.params).toMatchObject({
      CN: "gus.example.com",
      PARTSTAT: "NEEDS-ACTION",
      RSVP: "TRUE",
      ROLE: "REQ-PARTICIPANT",
      "X-OVERLAP-DID": GUEST
    })
    expect([e!.hostDid, e!.guestDid]).toEqual([HOST, GUEST])
    expect(new Date(e!.dtstart).getTime()).toBe(START)
    expect(new Date(e!.dtend).getTime()).toBe(END)
    expect(new Date(e!.dtstamp).getTime()).toBe(STAMP)
    expect(e!.location).toBe("Café Nord, Berlin")
    expect(e!.url).toBe("https://overlap.test/bookings/bk_01HXYZ")
    expect(e!.description).toContain("Join: https://meet.example.com/abc-def")
  })

  it("SUMMARY names the meeting and the other person, as each recipient sees them", () => {
    expect(checkWithPython(invite(event(), "guest").ics).events[0]!.summary).toBe("Intro call with Hana Host")
    expect(checkWithPython(invite(event(), "host").ics).events[0]!.summary).toBe("Intro call with gus.example.com")
  })

  it("reschedule: same UID, SEQUENCE + 1, the new times, still REQUEST; cancel: METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE + 1 again", () => {
    const confirmed = checkWithPython(invite(event(), "host").ics).events[0]!
    const moved = checkWithPython(invite(event({ type: "booking.rescheduled", sequence: 2, startAt: START + 3_600_000, endAt: END + 3_600_000 }), "host").ics)
    const canceled = checkWithPython(invite(event({ type: "booking.canceled", sequence: 3, icsKey: "ics/bk_01HXYZ/3.ics" }), "host").ics)
    expect(moved.method).toBe("REQUEST")
    expect(moved.events[0]!.uid).toBe(confirmed.uid)
    expect(moved.events[0]!.sequence).toBe(confirmed.sequence + 1)
    expect(new Date(moved.events[0]!.dtstart).getTime()).toBe(START + 3_600_000)
    expect(canceled.method).toBe("CANCEL")
    expect(canceled.events[0]!.status).toBe("CANCELLED")
    expect(canceled.events[0]!.uid).toBe(confirmed.uid)
    expect(canceled.events[0]!.sequence).toBe(moved.events[0]!.sequence + 1)
    // a CANCEL asks nothing of the attendee
    expect(canceled.events[0]!.attendees[0]!.params["RSVP"]).toBeUndefined()
  })

  it("a person with no verified address is named by DID (no mailto:), and no invitation is made for a request, decline or expiry", () => {
    const parsed = checkWithPython(invite(event(), "host", { host: people.host, guest: { did: GUEST } }).ics)
    expect(parsed.events[0]!.attendees[0]!.value).toBe(GUEST)
    expect(parsed.events[0]!.summary).toBe(`Intro call with ${GUEST}`)
    for (const type of ["booking.held", "booking.declined", "booking.expired"] as const) {
      expect(bookingInvitation(event({ type, icsKey: null }), people, "host", { stampedAt: STAMP })).toBeUndefined()
    }
    // a held booking withdrawn never had an invitation: no CANCEL either
    expect(bookingInvitation(event({ type: "booking.canceled", icsKey: null }), people, "host", { stampedAt: STAMP })).toBeUndefined()
  })
})

describe("the e-mail, read by postal-mime", () => {
  it("carries the invitation as a text/calendar; method=REQUEST alternative part and an invite.ics attachment, with one-click unsubscribe", async () => {
    const raw = mail(event(), "guest")
    for (const line of raw.split("\r\n")) expect(line.length).toBeLessThanOrEqual(998)
    expect(raw).toMatch(/^Content-Type: multipart\/alternative; boundary=/m)
    expect(raw).toMatch(/^Content-Type: text\/calendar; charset=utf-8; method=REQUEST\r$/m)
    const parsed = await PostalMime.parse(raw)
    expect(parsed.subject).toBe("Confirmed: Intro call with Hana Host, Tue 3 Mar 2026, 04:00–04:30 (America/New_York)")
    expect(parsed.to?.[0]?.address).toBe("gus@example.org")
    expect(parsed.text).toContain("When: Tue 3 Mar 2026, 04:00–04:30 (America/New_York)")
    expect(parsed.text).toContain("Their time: Tue 3 Mar 2026, 10:00–10:30 (Europe/Berlin)")
    expect(parsed.text).toContain("Where: Café Nord, Berlin")
    expect(parsed.text).toContain("Cancel it: https://overlap.test/act/cancel?t=2")
    const header = (name: string) => parsed.headers.find((h) => h.key === name)?.value
    expect(header("list-unsubscribe")).toBe("<https://overlap.test/act/unsubscribe?t=3>")
    expect(header("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click")
    const calendars = parsed.attachments.filter((a) => a.mimeType === "text/calendar")
    expect(calendars.length).toBeGreaterThanOrEqual(1)
    const file = parsed.attachments.find((a) => a.filename === "invite.ics")
    expect(file).toMatchObject({ mimeType: "text/calendar", method: "REQUEST" })
    const ics = typeof file!.content === "string" ? file!.content : new TextDecoder().decode(file!.content as ArrayBuffer)
    const checked = checkWithPython(ics)
    expect(checked.method).toBe("REQUEST")
    expect(checked.events[0]!.organizer.value).toBe("mailto:hana@example.com")
    for (const part of calendars) expect(part.method).toBe("REQUEST")
  })

  it("a cancel mail's parts say method=CANCEL; a mail without an invitation is a single text part", async () => {
    const canceled = await PostalMime.parse(mail(event({ type: "booking.canceled", sequence: 3, icsKey: "ics/bk_01HXYZ/3.ics" }), "host"))
    expect(canceled.attachments.filter((a) => a.mimeType === "text/calendar").map((a) => a.method)).toEqual(["CANCEL", "CANCEL"])
    const plain = buildNotificationEmail({
      from: "invitations@overlap.test",
      to: "hana@example.com",
      subject: "Déclined — ünïcode subject that is long enough to need more than one encoded word in the header line",
      text: "Hello",
      messageId: "<m2@overlap.app>",
      date: STAMP
    })
    const parsed = await PostalMime.parse(plain)
    expect(parsed.attachments).toEqual([])
    expect(parsed.text?.trim()).toBe("Hello")
    expect(parsed.subject).toBe("Déclined — ünïcode subject that is long enough to need more than one encoded word in the header line")
    expect(parsed.headers.find((h) => h.key === "list-unsubscribe")).toBeUndefined()
  })
})
