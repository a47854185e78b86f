// npm run demo: one real booking against the running `npm run dev` system, printed step by step.
// Fresh accounts each run. Exits non-zero when a step does not happen. URLs: OVERLAP_APPVIEW_URL,
// OVERLAP_PDS_URL (or OVERLAP_PDS_PORT), OVERLAP_RECEIVER_URL (or OVERLAP_RECEIVER_PORT).
import { defaultUrls, runJourney } from "./journey.mjs"

const urls = defaultUrls()
const health = await fetch(new URL("/healthz", urls.appviewUrl)).then((r) => r.ok, () => false)
if (!health) {
  console.error(`The AppView at ${urls.appviewUrl} is not up. Start the system first: npm run dev`)
  process.exit(1)
}
console.log(`Overlap demo against ${urls.appviewUrl} (PDS ${urls.pdsUrl}, webhook receiver ${urls.receiverUrl})\n`)
let n = 0
const started = Date.now()
try {
  await runJourney({ ...urls, say: (line) => console.log(`${String(++n).padStart(2)}. ${line}`) })
  console.log(`\n✓ demo passed in ${((Date.now() - started) / 1000).toFixed(1)} s`)
} catch (error) {
  console.error(`\n✗ demo failed at step ${n + 1}: ${error.message}`)
  process.exit(1)
}
