/**
 * Issue 5, "Done when": the lag from a PDS commit to the D1 row, p50 and p99. Runs the firehose suite's lag test
 * (test/firehose/lag.firehose.test.ts): a real local PDS, the firehose worker and the AppView's indexer in workerd
 * with local Queues and D1 (vitest.firehose.config.ts), and prints its figures.
 */
import { spawnSync } from "node:child_process"
import path from "node:path"

const SAMPLES = 200
// npm run bench runs every bench from the repository root
const root = process.cwd()
const run = spawnSync(
  path.join(root, "node_modules", ".bin", "vitest"),
  ["run", "-c", "vitest.firehose.config.ts", "test/firehose/lag.firehose.test.ts"],
  { cwd: root, encoding: "utf8", env: { ...process.env, OVERLAP_BENCH_LAG: String(SAMPLES), OVERLAP_TEST_REPORT_DIR: "" } }
)
const line = `${run.stdout}\n${run.stderr}`.split("\n").find((l) => l.startsWith("LAG "))
if (run.status !== 0 || line === undefined) {
  console.error(run.error ?? "", (run.stdout ?? "").slice(-4000), (run.stderr ?? "").slice(-4000))
  throw new Error("the lag run failed")
}
console.log(
  `firehose lag | inputs: local @atproto/pds 0.4 → FirehoseDO (workerd) → index-tasks (local Queues, batch timeout 50 ms) → indexer → D1; ` +
    `one host, ${SAMPLES} sequential writes, 2 ms polling | ${line.slice(4)}`
)
