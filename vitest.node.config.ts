import { defineConfig } from "vitest/config"

// Node-side tests: pure domain logic, lexicons, and everything that talks to a real local
// PDS / PLC / CalDAV server. Tests that need workerd bindings are named *.workerd.test.ts.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/**/*.workerd.test.ts", "test/**/*.firehose.test.ts", "test/**/*.pds.test.ts", "test/e2e/**", "test/**/*.browser.test.ts", "node_modules/**"],
    testTimeout: 30_000,
    reporters: process.env.OVERLAP_TEST_REPORT_DIR ? ["default", "json"] : ["default"],
    outputFile: { json: `${process.env.OVERLAP_TEST_REPORT_DIR ?? ".tmp"}/vitest-node.json` },
    hookTimeout: 60_000
  }
})
