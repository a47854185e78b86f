import { describe, expect, it } from "vitest"
import type { ConnectorNotice } from "../../src/domain/calendar/connectorNotice"
import { planNotice } from "../../src/domain/notify/plan"
import { messageText, subjectFor } from "../../src/domain/notify/render"
import { END, GUEST, HOST, START } from "./fixtures"

const hold: ConnectorNotice = {
  kind: "hold-conflict-released",
  id: "hold-conflict-released:bk_1",
  bookingId: "bk_1",
  hostDid: HOST,
  guestDid: GUEST,
  recipients: [HOST, GUEST, GUEST],
  startAt: START,
  endAt: END,
  at: END
}
const subs = (did: string) => (did === HOST ? ["wh_host"] : [])

describe("planNotice", () => {
  it("per distinct recipient: active webhooks, a DM only when DMs are on, e-mail only to an address carried", () => {
    expect(planNotice(hold, subs, { dm: false }).map((t) => `${t.channel}:${t.target}`)).toEqual(["webhook:wh_host"])
    expect(planNotice(hold, subs, { dm: true }).map((t) => `${t.channel}:${t.target}`)).toEqual([
      "webhook:wh_host",
      `dm:${HOST}`,
      `dm:${GUEST}`
    ])
    const withEmail = planNotice({ ...hold, emails: { [GUEST]: "guest@example.com" } }, subs, { dm: false })
    expect(withEmail.map((t) => `${t.channel}:${t.target}:${t.recipientDid}`)).toEqual([
      `webhook:wh_host:${HOST}`,
      `email:guest@example.com:${GUEST}`
    ])
    expect(withEmail.every((t) => t.id === hold.id && t.event.type === "booking.hold_released" && t.event.icsKey === null)).toBe(true)
  })
})

describe("notice texts", () => {
  it("a broken connector: reconnect, and no booking meanwhile", () => {
    const [task] = planNotice({
      kind: "connector-broken",
      id: "connector-broken:cn_1:1",
      did: GUEST,
      recipients: [GUEST],
      connectorId: "cn_1",
      provider: "microsoft",
      reason: "invalid_grant",
      at: 1
    }, () => [], { dm: true })
    expect(subjectFor(task!.event)).toBe("Action needed: reconnect your Microsoft calendar")
    expect(messageText(task!.event, GUEST)).toBe(
      "Your Microsoft calendar connection stopped working — reconnect it in Overlap; until then Overlap will not book time with you."
    )
  })

  it("a released hold: which booking, that the time became busy on a calendar, not whose", () => {
    const [toHost] = planNotice(hold, () => [], { dm: true })
    const text = messageText(toHost!.event, HOST)
    expect(text).toBe(
      `The hold on your meeting with ${GUEST} on Tue, 3 Mar 2026, 09:00–09:30 (UTC) was released: ` +
        "that time became busy on a calendar, so the meeting was not booked.\nOverlap booking bk_1"
    )
    expect(subjectFor(toHost!.event)).toBe("Released: the hold on your meeting on Tue, 3 Mar 2026, 09:00–09:30 (UTC)")
  })
})
