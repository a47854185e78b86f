/**
 * Issue 3, "Done when": match latency with both providers faked at 100 ms — target p50 ≤ 125 ms, which
 * holds only if the host's and the guest's free/busy calls run in parallel (serially they take 200 ms).
 *
 * One match at a time, end to end from Node (HTTP → bench worker → HoldStore Live → HostMatchDO →
 * in-memory CalendarProvider with injected latency → reservation → holds on both calendars → D1 mirror).
 * Every match is a new guest and booking at the same host, over a 4-week window with room for all of them.
 */
import { measure } from "./harness"
import { startBenchWorker } from "./workerd"

const MIN = 60_000
const DAY = 1_440 * MIN
const monday = (() => {
  const start = Math.ceil((Date.now() + 14 * DAY) / DAY) * DAY
  return start + ((8 - new Date(start).getUTCDay()) % 7) * DAY
})()

const request = (host: string, n: number) => ({
  hostDid: host,
  guestDid: `did:plc:latency${n}`,
  bookingId: `${host.slice(-8)}-${n}`,
  offers: [{ _tag: "weekly", timeZone: "UTC", weekdays: [1, 2, 3, 4, 5], start: "08:00", end: "18:00" }],
  guest: { timeZone: "UTC", durationMin: 30, durationMax: 30, earliest: monday, latest: monday + 28 * DAY },
  host: { timeZone: "UTC", bufferBeforeMin: 0, bufferAfterMin: 0, minimumNoticeMin: 0, slotStepMin: 30 }
})

const worker = await startBenchWorker()
try {
  const cases = [
    {
      host: "did:plc:latencybusy",
      behaviour: { busyLatencyMs: 100, placeLatencyMs: 0 },
      name: "match latency, free/busy faked at 100 ms on both calendars",
      inputs: "host + guest free/busy 100 ms each, hold placement 0 ms"
    },
    {
      host: "did:plc:latencyall",
      behaviour: { latencyMs: 100 },
      name: "match latency, every provider call faked at 100 ms",
      inputs: "host + guest free/busy 100 ms each AND tentative holds 100 ms each (two parallel rounds: ~200 ms; serial would be 400)"
    }
  ]
  for (const c of cases) {
    await worker.post("/configure", { host: c.host, behaviour: c.behaviour })
    let n = 0
    await measure({
      name: c.name,
      inputs: `${c.inputs}; one match at a time, end to end over HTTP from Node into local workerd; 30-min meetings, 4-week window`,
      warmup: 5,
      iterations: 40,
      fn: async () => {
        const { outcome } = await worker.post<{ outcome: string }>("/match", { fake: true, request: request(c.host, n++) })
        if (outcome !== "held") throw new Error(`expected a hold, got ${outcome}`)
      }
    })
  }
} finally {
  await worker.stop()
}
