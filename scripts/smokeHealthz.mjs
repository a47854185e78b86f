// The deploy workflow's smoke check: GET <url> (a worker's /healthz) until it answers 200 with `"ok": true`, for up
// to 2 minutes (a new deployment takes a few seconds to reach every location). Exits 1 with the last answer otherwise.
//   node scripts/smokeHealthz.mjs https://staging.overlap.app/healthz
const url = process.argv[2]
if (url === undefined || !/^https?:\/\//.test(url)) {
  console.error("usage: node scripts/smokeHealthz.mjs <https://…/healthz>")
  process.exit(2)
}
const deadline = Date.now() + Number(process.env.SMOKE_TIMEOUT_MS ?? 120_000)
let last = "no answer"
for (let attempt = 1; Date.now() < deadline; attempt++) {
  try {
    const response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(10_000) })
    const body = await response.text()
    last = `${response.status} ${body.slice(0, 2000)}`
    if (response.status === 200 && JSON.parse(body).ok === true) {
      console.log(`✓ ${url}: ${body}`)
      process.exit(0)
    }
  } catch (error) {
    last = error instanceof Error ? error.message : String(error)
  }
  await new Promise((resolve) => setTimeout(resolve, Math.min(2_000 * attempt, 10_000)))
}
console.error(`✗ ${url} is not healthy: ${last}`)
process.exit(1)
