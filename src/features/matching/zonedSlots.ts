import { zoneFor } from "../../domain/slots"

/**
 * A slot as answers carry it (issue 15 item 6): UTC instants, and the same slot on the guest's and the host's
 * wall clocks — ISO 8601 with each zone's offset at that instant — so a client never has to convert.
 */

const iso = (ms: number): string => new Date(ms).toISOString()
const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, "0")

/** `t` on `tz`'s wall clock with its offset, e.g. 2026-03-29T09:00:00+02:00 (UTC: Z). */
export const isoInZone = (t: number, tz: string): string => {
  const zone = zoneFor(tz)
  if (zone === undefined || tz === "UTC") return iso(t).replace(".000Z", "Z")
  const wall = zone.wallAt(t)
  const offsetMin = Math.round((wall - t) / 60_000)
  const local = new Date(wall).toISOString().slice(0, 19)
  const sign = offsetMin < 0 ? "-" : "+"
  return `${local}${sign}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`
}

export const zonedSlot = (slot: { readonly start: number; readonly end: number }, tz: string) => ({
  tz,
  start: isoInZone(slot.start, tz),
  end: isoInZone(slot.end, tz)
})

/** A slot with its guest-zone and host-zone forms. */
export const slotView = (slot: { readonly start: number; readonly end: number }, guestTz: string, hostTz: string) => ({
  start: iso(slot.start),
  end: iso(slot.end),
  guest: zonedSlot(slot, guestTz),
  host: zonedSlot(slot, hostTz)
})
