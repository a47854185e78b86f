import { describe, expect, it } from "vitest"
import { DM_MAX_CHARS, dmText } from "../../src/domain/notify/render"
import { bookingEvent, GUEST, HOST } from "./fixtures"

// A DM carries the e-mail's one-click links as far as Bluesky's 1000 graphemes allow: the links that act first.
const link = (action: string) => `https://overlap.example/act/${action}?did=${encodeURIComponent(HOST)}&t=v1.${"x".repeat(240)}`

describe("the DM about a booking", () => {
  it("a host's request keeps confirm and decline, and stays within a DM's length", () => {
    const text = dmText(bookingEvent({ type: "booking.held", icsKey: null, guestName: "@guest.test" }), HOST, {
      view: link("view"),
      confirm: link("confirm"),
      decline: link("decline")
    })
    expect(text).toContain("@guest.test asks to meet")
    expect(text).toContain(`Confirm: ${link("confirm")}`)
    expect(text).toContain(`Decline: ${link("decline")}`)
    expect([...text].length).toBeLessThanOrEqual(DM_MAX_CHARS)
  })

  it("a meeting that is on: its page first, then cancel and move as far as they fit", () => {
    const text = dmText(bookingEvent(), GUEST, { view: link("view"), cancel: link("cancel"), reschedule: link("reschedule") })
    expect(text.indexOf("Open it in Overlap")).toBeLessThan(text.indexOf("Cancel it"))
    expect([...text].length).toBeLessThanOrEqual(DM_MAX_CHARS)
    const short = dmText(bookingEvent(), GUEST, { view: "https://o.example/v", cancel: "https://o.example/c", reschedule: "https://o.example/r" })
    expect(short.split("\n").slice(-3)).toEqual(["Open it in Overlap: https://o.example/v", "Cancel it: https://o.example/c", "Move it: https://o.example/r"])
  })
})
