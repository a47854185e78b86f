import { defineConfig } from "vitest/config"

// Browser tests of the web app (test/web/*.browser.test.ts): Debian Chromium via playwright-core against the whole
// local system, started by the test (scripts/dev.mjs, fixed ports: run under flock /tmp/overlap-system.lock).
export default defineConfig({
  test: {
    include: ["test/web/**/*.browser.test.ts"],
    pool: "forks",
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 480_000,
    reporters: process.env.OVERLAP_TEST_REPORT_DIR ? ["default", "json"] : ["default"],
    outputFile: { json: `${process.env.OVERLAP_TEST_REPORT_DIR ?? ".tmp"}/vitest-web.json` }
  }
})
