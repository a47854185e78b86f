// Load scenarios against a running Overlap system, through its front door only: accounts on the local PDS,
// service-auth tokens minted by that PDS, XRPC over HTTP. Used by `npm run bench -- load` (the full scenarios)
// and by the end-to-end test (a smaller burst). Every function throws when the system does something it must
// never do only where the caller asks it to; otherwise it reports what happened.
import { randomUUID } from "node:crypto"
import http from "node:http"
import { APPVIEW_DID, createAccount, putRecord, sleep, waitFor, xrpc } from "./overlapClient.mjs"

/** Runs `work` over `items` with at most `limit` in flight. */
export const mapLimit = async (items, limit, work) => {
  const results = new Array(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await work(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  return results
}

/** `n` fresh accounts on the PDS (prefix + random suffix), a few at a time. */
export const createAccounts = (pdsUrl, prefix, n, concurrency = 8) =>
  mapLimit(Array.from({ length: n }, (_, i) => i), concurrency, () => createAccount(pdsUrl, prefix))

/** A service-auth token minted by the account's PDS for one call of `nsid` (single use: each carries its own jti). */
export const mintToken = async (account, nsid) => {
  const exp = Math.floor(Date.now() / 1000) + 30 * 60
  const res = await account.agent.com.atproto.server.getServiceAuth({ aud: APPVIEW_DID, lxm: nsid, exp })
  return res.data.token
}

/**
 * One prepared XRPC call: the token is minted before the burst so the burst measures the AppView, not the PDS.
 * `params` for queries, `body` for procedures.
 */
export const prepareCall = async (appviewUrl, account, nsid, { params, body } = {}) => {
  const url = new URL(`/xrpc/${nsid}`, appviewUrl)
  for (const [key, value] of Object.entries(params ?? {})) url.searchParams.set(key, String(value))
  const headers = { authorization: `Bearer ${await mintToken(account, nsid)}` }
  if (body !== undefined) {
    headers["content-type"] = "application/json"
    headers["idempotency-key"] = `load-${randomUUID()}`
  }
  return { nsid, account, url: url.toString(), init: { method: body === undefined ? "GET" : "POST", headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) } }
}

/**
 * The client side of a burst: every request is issued at once, over at most `CLIENT_CONNECTIONS` keep-alive
 * connections (the rest wait in the client's queue), as requests reach a Worker through Cloudflare's edge rather
 * than as hundreds of fresh TCP connections. (Locally the AppView's port is served by scripts/devProxy.mjs, not by
 * wrangler dev's own proxy, whose "worker restarted mid-request" 503s under a burst measured the dev proxy, not
 * Overlap.)
 */
export const CLIENT_CONNECTIONS = 32
const clientAgent = new http.Agent({ keepAlive: true, maxSockets: CLIENT_CONNECTIONS })

/** Sends one prepared call; a call with no answer within `timeoutMs` (queueing in the client included) is a hang. */
const sendOnce = (call, timeoutMs) =>
  new Promise((resolve) => {
    const url = new URL(call.url)
    const body = call.init.body
    const request = http.request(url, { method: call.init.method, headers: call.init.headers, agent: clientAgent }, (response) => {
      const chunks = []
      response.on("data", (chunk) => chunks.push(chunk))
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        let parsed
        try {
          parsed = text === "" ? undefined : JSON.parse(text)
        } catch {
          parsed = text
        }
        resolve({ status: response.statusCode, body: parsed, retryAfter: Number(response.headers["retry-after"] ?? 1) })
      })
      response.on("error", (error) => resolve({ status: "network-error", body: String(error) }))
    })
    const timer = setTimeout(() => {
      request.destroy()
      resolve({ status: "hang", body: `no answer within ${timeoutMs} ms` })
    }, timeoutMs)
    request.on("close", () => clearTimeout(timer))
    request.on("error", (error) => resolve({ status: "network-error", body: String(error) }))
    if (body !== undefined) request.write(body)
    request.end()
  })

/**
 * Sends a call as a well-behaved client does: an `Overloaded` 429 is sent again after its Retry-After (with
 * jitter and backoff, for up to `retryForMs`); it was refused before anything was read or written, so the
 * same token and idempotency key are still unused. Reports the first answer, the last, and the time to it.
 */
const send = async (call, timeoutMs, retryForMs) => {
  const started = performance.now()
  const first = await sendOnce(call, timeoutMs)
  let last = first
  let retries = 0
  while (last.status === 429 && last.body?.error === "Overloaded" && performance.now() - started < retryForMs) {
    const backoff = Math.min(8, 2 ** retries) * (last.retryAfter || 1) * 1000
    await sleep(backoff * (0.5 + Math.random()))
    retries++
    last = await sendOnce(call, timeoutMs)
  }
  return { call, status: last.status, body: last.body, firstStatus: first.status, retries, ms: performance.now() - started, answeredAt: Date.now() }
}

/** Polls `/healthz` until `stop()` and reports the slowest answer (a failed or missing answer counts as ∞). */
export const watchHealth = (appviewUrl, everyMs = 250) => {
  let running = true
  let worst = 0
  let probes = 0
  const failures = []
  const loop = (async () => {
    while (running) {
      const started = performance.now()
      try {
        const response = await fetch(new URL("/healthz", appviewUrl), { signal: AbortSignal.timeout(10_000) })
        const text = await response.text()
        worst = Math.max(worst, response.ok ? performance.now() - started : Infinity)
        if (!response.ok) failures.push(`${response.status} ${text.slice(0, 300)}`)
      } catch (error) {
        worst = Infinity
        failures.push(String(error))
      }
      probes++
      await sleep(everyMs)
    }
  })()
  return async () => {
    running = false
    await loop
    return { probes, worstMs: worst, failures }
  }
}

const quantile = (sorted, q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))])

/**
 * Fires every call at once (one `fetch` each, all started together) while watching /healthz; calls refused as
 * Overloaded are sent again as a client would for up to `retryForMs` (0: never).
 */
export const burst = async (appviewUrl, calls, { timeoutMs = 60_000, retryForMs = 120_000 } = {}) => {
  const stopWatching = watchHealth(appviewUrl)
  const started = performance.now()
  const results = await Promise.all(calls.map((call) => send(call, timeoutMs, retryForMs)))
  const wallMs = performance.now() - started
  const health = await stopWatching()
  const statuses = {}
  const firstStatuses = {}
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1
  for (const r of results) firstStatuses[r.firstStatus] = (firstStatuses[r.firstStatus] ?? 0) + 1
  const latencies = results.map((r) => r.ms).sort((a, b) => a - b)
  return {
    results,
    requests: results.length,
    statuses,
    firstStatuses,
    retried: results.filter((r) => r.retries > 0).length,
    serverErrors: results.filter((r) => typeof r.status === "number" && r.status >= 500).length,
    hangs: results.filter((r) => r.status === "hang").length,
    networkErrors: results.filter((r) => r.status === "network-error").length,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? NaN,
    wallMs,
    health
  }
}

/** Publishes an offer as a record on the host's PDS and waits until getOffers shows it; returns its uri and how long indexing took. */
export const publishOffer = async (appviewUrl, host, window, { policy = "anyone", timeoutMs = 60_000 } = {}) => {
  const uri = await putRecord(host, "app.overlap.slotOffer", { ...window, policy, tz: "Europe/Berlin" })
  const started = Date.now()
  await waitFor(`offer ${uri} to be indexed`, async () => {
    const res = await xrpc(appviewUrl, host, "app.overlap.getOffers", { params: { host: host.did } })
    return res.status === 200 && res.body.offers.some((offer) => offer.uri === uri)
  }, { timeoutMs, intervalMs: 200 })
  return { uri, indexedMs: Date.now() - started }
}

/**
 * The holds a burst of `match` calls made: 200s directly, 202s once getMatchStatus settles. Each hold is known to
 * be live from the moment its answer arrived until its `expiresAt` (nothing in a burst releases holds early).
 */
export const holdsOf = async (appviewUrl, results, { timeoutMs = 120_000 } = {}) => {
  const holds = []
  const failed = []
  const holdFrom = (host, hold, answeredAt) => ({ host, slot: hold.slot, bookingId: hold.bookingId, liveFrom: answeredAt, liveUntil: Date.parse(hold.expiresAt) })
  for (const r of results) {
    if (r.status === 200 && r.body?.result?.slot) holds.push(holdFrom(r.call.hostDid, r.body.result, r.answeredAt))
  }
  const pending = results.filter((r) => r.status === 202 && r.body?.result?.token)
  await mapLimit(pending, 8, async (r) => {
    const status = await waitFor("a pending match to settle", async () => {
      const res = await xrpc(appviewUrl, r.call.account, "app.overlap.getMatchStatus", { params: { token: r.body.result.token } })
      if (res.status >= 500) failed.push(res)
      return res.status === 200 && res.body.status !== "pending" ? res.body : undefined
    }, { timeoutMs, intervalMs: 500 })
    if (status.status === "held") holds.push(holdFrom(r.call.hostDid, status.hold, Date.now()))
  })
  return { holds, pendingSettled: pending.length, statusErrors: failed.length }
}

const intersects = (a, b) => a.start < b.end && b.start < a.end

/**
 * Pairs of holds at one host that were live at the same moment with overlapping times: a double booking (must be
 * none). Holds that expired before another took their time are not a pair (short hold lifetimes in tests).
 */
export const overlapsOf = (holds) => {
  const found = []
  const byHost = new Map()
  for (const hold of holds) byHost.set(hold.host, [...(byHost.get(hold.host) ?? []), hold])
  for (const list of byHost.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const [a, b] = [list[i], list[j]]
        const times = intersects({ start: Date.parse(a.slot.start), end: Date.parse(a.slot.end) }, { start: Date.parse(b.slot.start), end: Date.parse(b.slot.end) })
        const lives = intersects({ start: a.liveFrom, end: a.liveUntil }, { start: b.liveFrom, end: b.liveUntil })
        if (times && lives) found.push([a, b])
      }
    }
  }
  return found
}

/** A `match` call for one guest at one host's offer; the call remembers the host for the overlap check. */
export const prepareMatch = async (appviewUrl, guest, host, offer, window) => {
  const call = await prepareCall(appviewUrl, guest, "app.overlap.match", {
    body: { hostDid: host.did, offerUri: offer.uri, constraints: { durationMin: 30, durationMax: 30, tz: "Europe/Berlin", earliest: window.start, latest: window.end } }
  })
  return { ...call, hostDid: host.did }
}

export const prepareAvailability = (appviewUrl, guest, host, offer, window) =>
  prepareCall(appviewUrl, guest, "app.overlap.getAvailability", {
    params: { host: host.did, offer: offer.uri, durationMin: 30, earliest: window.start, latest: window.end, tz: "Europe/Berlin" }
  })

export const prepareOffers = (appviewUrl, guest, host) => prepareCall(appviewUrl, guest, "app.overlap.getOffers", { params: { host: host.did } })

/** One line per scenario, for people. */
export const describeBurst = (name, outcome, extra = {}) => {
  const fmt = (ms) => (Number.isFinite(ms) ? `${Math.round(ms)} ms` : "∞")
  const list = (counts) => Object.entries(counts).map(([status, n]) => `${status}×${n}`).join(" ")
  const parts = [
    `${name}: ${outcome.requests} requests in ${fmt(outcome.wallMs)}`,
    `first answers ${list(outcome.firstStatuses)}`,
    `after ${outcome.retried} clients retried Overloaded: ${list(outcome.statuses)}`,
    `time to final answer p50 ${fmt(outcome.p50)} p99 ${fmt(outcome.p99)} max ${fmt(outcome.max)}`,
    `≥500: ${outcome.serverErrors}, hangs: ${outcome.hangs}`,
    `/healthz worst ${fmt(outcome.health.worstMs)} over ${outcome.health.probes} probes (${outcome.health.worstMs < 1000 ? "under 1 s" : "NOT under 1 s"})`,
    ...Object.entries(extra).map(([key, value]) => `${key}: ${value}`)
  ]
  return parts.join(" · ")
}

/** Days from now, at hh:mm UTC, as an ISO instant. */
export const dayAt = (plusDays, hhmm) => {
  const day = new Date(Date.now() + plusDays * 86_400_000).toISOString().slice(0, 10)
  return new Date(`${day}T${hhmm}:00.000Z`).toISOString()
}

/**
 * The load scenarios: `match` at one host, `getAvailability` + `getOffers` at that host, and `match` spread over
 * many hosts, each followed by an offer written right after the burst that must be indexed. Sizes:
 * `oneHostMatches` (guests × 2 calls each), `readCalls`, `spreadMatches` over `spreadHosts`.
 */
export const runLoadScenarios = async ({ appviewUrl, pdsUrl, oneHostMatches, readCalls, spreadMatches, spreadHosts, say = () => {} }) => {
  const guestCount = Math.max(Math.ceil(oneHostMatches / 2), Math.ceil(spreadMatches / 2), Math.ceil(readCalls / 2))
  let t = Date.now()
  const guests = await createAccounts(pdsUrl, "lg", guestCount)
  const hosts = await createAccounts(pdsUrl, "lh", spreadHosts + 1)
  say(`${guestCount} guests and ${hosts.length} hosts created on the PDS (${((Date.now() - t) / 1000).toFixed(1)} s)`)
  const [hot, ...spread] = hosts
  const window = { start: dayAt(2, "08:00"), end: dayAt(2, "12:00") }
  t = Date.now()
  const hotOffer = await publishOffer(appviewUrl, hot, window)
  const spreadOffers = await mapLimit(spread, 8, (host) => publishOffer(appviewUrl, host, window))
  say(`${1 + spread.length} offers published and indexed (${((Date.now() - t) / 1000).toFixed(1)} s)`)

  // an offer written right after a burst must be indexed (Infinity: not within 60 s — a lost index task)
  let later = 8
  const indexedAfter = async () => {
    later++
    return publishOffer(appviewUrl, hot, { start: dayAt(later, "08:00"), end: dayAt(later, "09:00") }, { timeoutMs: 60_000 }).then(
      (offer) => offer.indexedMs,
      () => Infinity
    )
  }
  const scenarios = []

  // 1. match at one host
  let calls = await mapLimit(Array.from({ length: oneHostMatches }, (_, i) => guests[Math.floor(i / 2)]), 16, (guest) =>
    prepareMatch(appviewUrl, guest, hot, hotOffer, window))
  let outcome = await burst(appviewUrl, calls)
  let held = await holdsOf(appviewUrl, outcome.results)
  scenarios.push({ name: `match ×${oneHostMatches} at one host`, outcome, holds: held.holds.length, overlaps: overlapsOf(held.holds).length, statusErrors: held.statusErrors, indexedMs: await indexedAfter() })

  // 2. getAvailability and getOffers at that host, together
  calls = await mapLimit(Array.from({ length: readCalls }, (_, i) => i), 16, (i) =>
    i % 2 === 0 ? prepareAvailability(appviewUrl, guests[Math.floor(i / 2)], hot, hotOffer, window) : prepareOffers(appviewUrl, guests[Math.floor(i / 2)], hot))
  outcome = await burst(appviewUrl, calls)
  scenarios.push({ name: `getAvailability ×${Math.ceil(readCalls / 2)} + getOffers ×${Math.floor(readCalls / 2)} at one host`, outcome, indexedMs: await indexedAfter() })

  // 3. match spread over many hosts
  calls = await mapLimit(Array.from({ length: spreadMatches }, (_, i) => i), 16, (i) => {
    const h = i % spread.length
    return prepareMatch(appviewUrl, guests[Math.floor(i / 2)], spread[h], spreadOffers[h], window)
  })
  outcome = await burst(appviewUrl, calls)
  held = await holdsOf(appviewUrl, outcome.results)
  scenarios.push({ name: `match ×${spreadMatches} over ${spread.length} hosts`, outcome, holds: held.holds.length, overlaps: overlapsOf(held.holds).length, statusErrors: held.statusErrors, indexedMs: await indexedAfter() })
  return scenarios
}

/** The figures of one scenario, for people. */
export const describeScenario = (scenario) =>
  describeBurst(scenario.name, scenario.outcome, {
    ...(scenario.holds === undefined ? {} : { "holds made": scenario.holds, overlaps: scenario.overlaps }),
    "next offer indexed in": `${(scenario.indexedMs / 1000).toFixed(1)} s`
  })
