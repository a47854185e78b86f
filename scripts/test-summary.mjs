// Sums vitest's JSON reports (written when OVERLAP_TEST_REPORT_DIR is set) into the closing line
// CI reads: "N passed, N failed". A failed `npm test` with no failing test (the type-check, a suite that
// could not start) counts as one failure, so the line never says "0 failed" for a red run.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import path from "node:path"

const [dir, exitCode] = process.argv.slice(2)
let passed = 0
let failed = 0
let skipped = 0
if (dir && existsSync(dir)) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const report = JSON.parse(readFileSync(path.join(dir, file), "utf8"))
    passed += report.numPassedTests ?? 0
    failed += report.numFailedTests ?? 0
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
    for (const suite of report.testResults ?? []) {
      if (suite.status === "failed" && (suite.assertionResults ?? []).length === 0) failed += 1
    }
  }
}
if (Number(exitCode) !== 0 && failed === 0) failed = 1
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`)
process.exit(failed === 0 && passed > 0 ? 0 : 1)
