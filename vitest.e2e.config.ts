import { defineConfig } from "vitest/config"

// The end-to-end test (test/e2e/): starts the whole system with `node scripts/dev.mjs` (workers on 8787–8790,
// so nothing else may hold those ports) and walks the journey through public interfaces only. One fork, long
// timeouts: wrangler dev takes a while to come up on a small machine.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    pool: "forks",
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 240_000,
    reporters: process.env.OVERLAP_TEST_REPORT_DIR ? ["default", "json"] : ["default"],
    outputFile: { json: `${process.env.OVERLAP_TEST_REPORT_DIR ?? ".tmp"}/vitest-e2e.json` }
  }
})
