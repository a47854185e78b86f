// The end-to-end test: the whole system started as `npm run dev` starts it (scripts/dev.mjs, its own ports for
// the PLC, PDS, social graph stand-in and webhook receiver; the workers on 8787–8790) and used only through its
// public interfaces: PDS records, XRPC over HTTP, CalDAV servers (Radicale, one per person), the webhook receiver.
// Holds live 20 s here (OVERLAP_HOLD_TTL_MS → HOLD_TTL_MS) so that expiry can be watched.
import { type ChildProcess, spawn } from "node:child_process"
import net from "node:net"
import path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectCaldav, runJourney, tomorrowAt } from "../../scripts/journey.mjs"
import { startRadicale, type Radicale } from "../../scripts/localRadicale.mjs"
import { type Account, createAccount, expectStatus, putRecord, waitFor, xrpc } from "../../scripts/overlapClient.mjs"

const root = path.resolve(import.meta.dirname, "../..")
// The default ports: `wrangler dev --var` reaches only the first config (the AppView), so the firehose worker keeps
// the PLC and PDS addresses in wrangler.firehose.toml (2582, 2583); other ports would leave ingest pointed elsewhere.
const PORTS = { plc: 2582, pds: 2583, graph: 2584, receiver: 8791 }
const WORKER_PORTS = [8787, 8788, 8789, 8790]
const HOLD_TTL_MS = 20_000
const appviewUrl = "http://localhost:8787"
const pdsUrl = `http://localhost:${PORTS.pds}`
const receiverUrl = `http://127.0.0.1:${PORTS.receiver}`

const portInUse = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1")
    socket.once("connect", () => (socket.destroy(), resolve(true)))
    socket.once("error", () => resolve(false))
  })

let dev: ChildProcess | undefined
let output = ""
const radicales: Array<Radicale> = []

const stopDev = async () => {
  if (dev === undefined || dev.pid === undefined) return
  const child = dev
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve))
    child.kill("SIGINT") // dev.mjs stops wrangler's process group, the PDS/PLC, Radicale and the receiver
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))])
  }
  const groupAlive = () => {
    try {
      process.kill(-child.pid!, 0)
      return true
    } catch {
      return false
    }
  }
  if (groupAlive()) process.kill(-child.pid!, "SIGKILL") // whatever of dev.mjs' own group is left
  await waitFor("dev.mjs' process group to be gone", async () => !groupAlive(), { timeoutMs: 10_000, intervalMs: 200 })
}

beforeAll(async () => {
  for (const port of [...WORKER_PORTS, ...Object.values(PORTS)]) {
    if (await portInUse(port)) throw new Error(`port ${port} is in use: stop \`npm run dev\` (or whatever holds it) before the end-to-end test`)
  }
  dev = spawn(process.execPath, ["scripts/dev.mjs"], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      OVERLAP_PLC_PORT: String(PORTS.plc),
      OVERLAP_PDS_PORT: String(PORTS.pds),
      OVERLAP_GRAPH_PORT: String(PORTS.graph),
      OVERLAP_RECEIVER_PORT: String(PORTS.receiver),
      OVERLAP_HOLD_TTL_MS: String(HOLD_TTL_MS)
    }
  })
  dev.stdout!.on("data", (chunk) => (output += chunk))
  dev.stderr!.on("data", (chunk) => (output += chunk))
  await waitFor("npm run dev to say ready", async () => {
    if (dev!.exitCode !== null) throw new Error(`scripts/dev.mjs exited ${dev!.exitCode}:\n${output}`)
    return output.includes("ready —")
  }, { timeoutMs: 200_000, intervalMs: 500 }).catch((error) => {
    throw new Error(`${error.message}\n${output.slice(-3000)}`)
  })
})

afterAll(async () => {
  for (const r of radicales) await r.stop().catch(() => {})
  await stopDev()
  // nothing left listening
  const left = []
  for (const port of [...WORKER_PORTS, ...Object.values(PORTS)]) if (await portInUse(port)) left.push(port)
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
    await runJourney({ appviewUrl, pdsUrl, receiverUrl, useRadicale: true, say: (line) => steps.push(line) })
    expect(steps.length).toBeGreaterThanOrEqual(19)
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
    expect(held[0]!.body.result.slot).toEqual({ start, end })
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
})
