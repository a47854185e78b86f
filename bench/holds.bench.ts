/**
 * Issue 3, "Done when": holds per second against ONE HostMatchDO in workerd.
 *
 * Each measured call is a burst of 100 concurrent matches from 100 guests at the same host, through
 * HoldStore Live → the real HostMatchDO (SQLite storage, reservation, D1 mirror). Each burst asks for its own
 * week (Mon–Fri 08:00–18:00 UTC, 30-minute meetings on a 30-minute grid, no buffers: exactly 100 slots), so
 * every match of a burst ends in a hold and the object's storage keeps growing across bursts (holds from
 * earlier bursts stay and are counted as busy). Two calendars are measured: the local calendar in D1 (the
 * embedded default: free/busy + tentative events are D1 queries) and the in-memory provider at 0 ms (the
 * object's own cost). Everything runs in local workerd (wrangler unstable_dev) on this machine; local D1 and
 * Durable Object storage live in a temporary directory (OVERLAP_BENCH_STATE_DIR=/dev/shm puts them on tmpfs,
 * which takes the disk's sync cost out of every D1 write).
 *
 * The machine may be shared: besides wall-clock holds/s, each run prints the CPU time workerd (the bench worker,
 * the object and local D1 together) spent per hold, read from /proc, which other processes' load does not
 * inflate. A burst that wrangler's proxy answers with "503 Your worker restarted mid-request" (workerd logs "stream
 * disconnected prematurely"; seen under heavy machine load, mostly after bursts of several seconds) is sent again
 * and counted. Matches are idempotent per booking id, so a resent burst makes no extra holds, but the first
 * attempt may have run: a run that resent bursts overstates time and CPU per hold.
 */
import { readdirSync, readFileSync } from "node:fs"
import { measure } from "./harness"
import { startBenchWorker } from "./workerd"

/**
 * user + system CPU ms of the workerd processes under this one (Linux /proc; zeros elsewhere): in total, and per
 * thread id. workerd runs the bench worker, the objects and local D1 on one thread, so the busiest thread's CPU
 * per hold bounds what one core could do: 1 000 / (its ms per hold) holds per second.
 */
const workerdCpu = (): { readonly total: number; readonly threads: ReadonlyMap<string, number> } => {
  const tick = 10 // USER_HZ = 100 on Linux
  const cpuOf = (stat: string) => {
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) * tick
  }
  const threads = new Map<string, number>()
  try {
    const procs = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
        return [{ pid: Number(pid), ppid: Number(fields[1]), comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), cpu: cpuOf(stat) }]
      } catch {
        return []
      }
    })
    const mine = new Set([process.pid])
    for (let grew = true; grew;) {
      grew = false
      for (const p of procs) if (!mine.has(p.pid) && mine.has(p.ppid)) (mine.add(p.pid), (grew = true))
    }
    const workerd = procs.filter((p) => mine.has(p.pid) && p.comm.startsWith("workerd"))
    for (const p of workerd) {
      for (const tid of readdirSync(`/proc/${p.pid}/task`)) {
        try {
          threads.set(`${p.pid}/${tid}`, cpuOf(readFileSync(`/proc/${p.pid}/task/${tid}/stat`, "utf8")))
        } catch {
          // the thread ended
        }
      }
    }
    return { total: workerd.reduce((sum, p) => sum + p.cpu, 0), threads }
  } catch {
    return { total: 0, threads }
  }
}

const MIN = 60_000
const DAY = 1_440 * MIN
const WEEK = 7 * DAY
const BURST = 100

const firstMonday = (() => {
  const start = Math.ceil((Date.now() + 14 * DAY) / DAY) * DAY
  return start + ((8 - new Date(start).getUTCDay()) % 7) * DAY
})()

const burst = (host: string, week: number) =>
  Array.from({ length: BURST }, (_, i) => ({
    hostDid: host,
    guestDid: `did:plc:w${week}g${i}`,
    bookingId: `${host.slice(-6)}-w${week}-g${i}`,
    offers: [{ _tag: "weekly", timeZone: "UTC", weekdays: [1, 2, 3, 4, 5], start: "08:00", end: "18:00" }],
    guest: { timeZone: "UTC", durationMin: 30, durationMax: 30, earliest: firstMonday + week * WEEK, latest: firstMonday + week * WEEK + 5 * DAY },
    host: { timeZone: "UTC", bufferBeforeMin: 0, bufferAfterMin: 0, minimumNoticeMin: 0, slotStepMin: 30 },
    budgetMs: 60_000
  }))

const worker = await startBenchWorker()
try {
  for (const [fake, label] of [[false, "local calendar (D1)"], [true, "in-memory calendars, 0 ms"]] as const) {
    const host = `did:plc:benchhost${fake ? "fake" : "local"}`
    if (fake) await worker.post("/configure", { host, behaviour: {} })
    let week = 0
    let held = 0
    let resent = 0
    let measuredFrom = 0
    let cpuFrom = workerdCpu()
    const m = await measure({
      name: `holds/s, one HostMatchDO, ${label}`,
      inputs: `bursts of ${BURST} concurrent matches (100 guests, one host), each burst its own week of exactly ${BURST} ` +
        "30-min slots (Mon–Fri 08–18 UTC, 30-min grid, no buffers), holds from earlier bursts kept; HoldStore Live → HostMatchDO " +
        `→ D1 mirror; state in ${process.env.OVERLAP_BENCH_STATE_DIR ?? "the OS temp dir (disk)"}; time per burst`,
      warmup: 2,
      iterations: 12,
      fn: async () => {
        if (week === 2) (measuredFrom = held, cpuFrom = workerdCpu()) // after the warm-up bursts
        const body = { fake, requests: burst(host, week++) }
        const r = await worker.post<{ held: number }>("/burst", body).catch((error: Error) => {
          if (!/503 Your worker restarted mid-request/.test(error.message)) throw error
          resent++
          return worker.post<{ held: number }>("/burst", body)
        })
        held += r.held
        if (r.held !== BURST) throw new Error(`expected ${BURST} holds, got ${r.held}`)
      }
    })
    const cpuTo = workerdCpu()
    const holdsMeasured = held - measuredFrom
    const cpu = cpuTo.total - cpuFrom.total
    let busiest = 0
    for (const [tid, ms] of cpuTo.threads) busiest = Math.max(busiest, ms - (cpuFrom.threads.get(tid) ?? 0))
    console.log(
      `  → ${(BURST / (m.median / 1_000)).toFixed(0)} holds/s at the median burst ` +
        `(p10 ${(BURST / (m.p10 / 1_000)).toFixed(0)} / p90 ${(BURST / (m.p90 / 1_000)).toFixed(0)}); ${held} holds made in total` +
        (cpu > 0
          ? `; workerd CPU ${(cpu / holdsMeasured).toFixed(2)} ms per hold, busiest thread ${(busiest / holdsMeasured).toFixed(2)} ms ` +
            `(one core: ≤ ${(1_000 / (busiest / holdsMeasured)).toFixed(0)} holds/s)`
          : "") +
        (resent > 0 ? `; ${resent} burst(s) resent after a proxy 503` : "")
    )
  }
} finally {
  await worker.stop()
}
