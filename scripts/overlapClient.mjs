// A small client for the running Overlap system, through its public interfaces only: the local PDS
// (accounts, records, service-auth tokens), XRPC over HTTP, CalDAV servers, the dev webhook receiver.
// Used by `npm run demo` (scripts/demo.mjs) and the end-to-end test (test/e2e/journey.test.ts).
import { randomBytes, randomUUID } from "node:crypto"
import { AtpAgent } from "@atproto/api"
import ICAL from "ical.js"
import { Webhook } from "standardwebhooks"

export const APPVIEW_DID = "did:web:localhost"

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `probe` until it returns something other than undefined/false; throws `what` after timeoutMs. */
export const waitFor = async (what, probe, { timeoutMs = 30_000, intervalMs = 500 } = {}) => {
  const deadline = Date.now() + timeoutMs
  let last
  while (Date.now() < deadline) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false && value !== null) return value
    } catch (error) {
      last = error
    }
    await sleep(intervalMs)
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000}s${last ? ` (last error: ${last.message})` : ""}`)
}

/** A fresh account on the PDS with a unique handle (`<prefix><random>.test`), logged in. */
export const createAccount = async (pdsUrl, prefix) => {
  const agent = new AtpAgent({ service: pdsUrl })
  const handle = `${prefix}${randomBytes(3).toString("hex")}.test`
  const res = await agent.createAccount({ handle, email: `${handle}@example.test`, password: "password" })
  return { did: res.data.did, handle: res.data.handle, agent }
}

export const putRecord = async (account, collection, record) => {
  const res = await account.agent.com.atproto.repo.createRecord({
    repo: account.did,
    collection,
    record: { $type: collection, createdAt: new Date().toISOString(), ...record }
  })
  return res.data.uri
}

/**
 * One XRPC call to the AppView as `account` (a service-auth JWT minted by the account's PDS for this method;
 * tokens are single-use), or anonymously when account is undefined. Procedures carry an Idempotency-Key.
 */
export const xrpc = async (appviewUrl, account, nsid, { params, body, method, idempotencyKey, headers = {} } = {}) => {
  const isProcedure = method === "POST" || (method === undefined && body !== undefined)
  const url = new URL(`/xrpc/${nsid}`, appviewUrl)
  for (const [k, v] of Object.entries(params ?? {})) {
    for (const item of Array.isArray(v) ? v : [v]) if (item !== undefined) url.searchParams.append(k, String(item))
  }
  const h = { ...headers }
  if (account !== undefined) {
    const token = await account.agent.com.atproto.server.getServiceAuth({ aud: APPVIEW_DID, lxm: nsid })
    h.authorization = `Bearer ${token.data.token}`
  }
  if (isProcedure) {
    h["content-type"] = "application/json"
    if (idempotencyKey !== null) h["idempotency-key"] = idempotencyKey ?? `key-${randomUUID()}`
  }
  const response = await fetch(url, { method: isProcedure ? "POST" : "GET", headers: h, ...(isProcedure ? { body: JSON.stringify(body ?? {}) } : {}) })
  const text = await response.text()
  let json
  try {
    json = text === "" ? undefined : JSON.parse(text)
  } catch {
    json = text
  }
  return { status: response.status, body: json, headers: response.headers }
}

/** Throws with the XRPC error unless the status is one of `ok`. */
export const expectStatus = (res, ok, what) => {
  const list = Array.isArray(ok) ? ok : [ok]
  if (!list.includes(res.status)) throw new Error(`${what}: expected ${list.join("/")}, got ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

/** A Radicale server as a user's calendar: a "work" calendar, and what Overlap wrote into it. */
export const calendarOn = async (radicale) => {
  const calendarUrl = await radicale.makeCalendar("work")
  const read = async () => (await radicale.request(calendarUrl)).text()
  return {
    radicale,
    calendarUrl,
    /** Overlap's events for a booking (a reschedule's hold is `<id>~<n>`): [{ bookingId, status, start, end }]. */
    events: async (bookingId) => {
      const calendar = new ICAL.Component(ICAL.parse(await read()))
      for (const tz of calendar.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(tz)
      const found = []
      for (const vevent of calendar.getAllSubcomponents("vevent")) {
        const id = vevent.getFirstPropertyValue("x-overlap-booking-id")
        if (typeof id !== "string" || !(id === bookingId || id.startsWith(`${bookingId}~`))) continue
        const event = new ICAL.Event(vevent)
        found.push({ bookingId: id, status: vevent.getFirstPropertyValue("status"), start: event.startDate.toJSDate().toISOString(), end: event.endDate.toJSDate().toISOString() })
      }
      return found
    },
    /** A busy event of the user's own. */
    addBusy: (name, start, end) =>
      radicale.putObject(calendarUrl, `${name}.ics`, [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//overlap demo//EN", "BEGIN:VEVENT", `UID:${name}@example.test`,
        `DTSTAMP:${ical(new Date())}`, `DTSTART:${ical(start)}`, `DTEND:${ical(end)}`, "SUMMARY:Busy", "END:VEVENT", "END:VCALENDAR", ""
      ].join("\r\n"))
  }
}

const ical = (date) => date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")


/** The deliveries the dev webhook receiver got on `path`, each verified with the subscription's secret. */
export const deliveriesOn = async (receiverUrl, path, secret) => {
  const all = await (await fetch(new URL("/deliveries", receiverUrl))).json()
  const wh = new Webhook(secret)
  return all.filter((d) => d.path === path).map((d) => {
    let verified = false
    let payload
    try {
      payload = wh.verify(d.body, d.headers)
      verified = true
    } catch {
      payload = JSON.parse(d.body)
    }
    return { ...d, verified, payload }
  })
}
