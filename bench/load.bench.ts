/**
 * Issue 10: the whole system under a burst, through its front door. Starts the local system (scripts/dev.mjs, as
 * `npm run dev` does) unless one is already running on :8787, creates guests and hosts on the local PDS, and fires
 * concurrent XRPC calls with PDS-minted service-auth tokens (minted before each burst, so the burst measures the
 * AppView): `match` at one host, `getAvailability` + `getOffers` at that host, and `match` spread over many hosts.
 * Per scenario it prints requests, status counts, p50/p99/max latency, holds made and overlaps found, whether
 * /healthz stayed under 1 s, and how long an offer written right after the burst took to be indexed.
 *
 * Sizes (env): LOAD_ONE_HOST (default 500 match calls, two per guest), LOAD_READS (default 500),
 * LOAD_SPREAD (default 1000 match calls) over LOAD_HOSTS (default 50) hosts. Exits non-zero on any response
 * ≥ 500, hang, overlap or lost index task: the figures are for people, the zeros are promises.
 */
import { devUrls, portInUse, startDevSystem } from "../scripts/devSystem.mjs"
import { describeScenario, runLoadScenarios } from "../scripts/load.mjs"

const size = (name: string, fallback: number) => {
  const value = Number(process.env[name])
  return Number.isInteger(value) && value > 0 ? value : fallback
}

const running = await portInUse(8787)
console.log(running ? "using the system already running on :8787" : "starting the local system (scripts/dev.mjs)…")
const system = running ? undefined : await startDevSystem()
let failed = false
try {
  const inputs = {
    oneHostMatches: size("LOAD_ONE_HOST", 500),
    readCalls: size("LOAD_READS", 500),
    spreadMatches: size("LOAD_SPREAD", 1000),
    spreadHosts: size("LOAD_HOSTS", 50)
  }
  console.log(`inputs: ${JSON.stringify(inputs)}; offers 08:00–12:00 UTC in two days, 30-min meetings, tier anyone, local calendar`)
  const scenarios = await runLoadScenarios({ ...devUrls, ...inputs, say: (line: string) => console.log(`  ${line}`) })
  for (const scenario of scenarios) {
    console.log(describeScenario(scenario))
    const broken = scenario.outcome.serverErrors + scenario.outcome.hangs + scenario.outcome.networkErrors + (scenario.overlaps ?? 0)
    if (broken > 0 || !Number.isFinite(scenario.indexedMs) || scenario.indexedMs > 5_000) failed = true
    for (const r of scenario.outcome.results.filter((r: { status: unknown }) => typeof r.status !== "number" || (r.status as number) >= 500).slice(0, 3)) {
      console.log(`    e.g. ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`)
    }
  }
} finally {
  await system?.stop()
}
if (failed) {
  console.error("load: a target was missed (≥ 500, hang, overlap, or an offer not indexed within 5 s)")
  process.exit(1)
}
