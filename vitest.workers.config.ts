import { defineWorkersConfig, readD1Migrations } from "@cloudflare/vitest-pool-workers/config"
import path from "node:path"

// Tests that run inside workerd against real local bindings (D1, KV, R2, Durable Objects, Queues)
// from wrangler.toml. The same migrations the dev server applies are applied before each file.
export default defineWorkersConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"))
  return {
    test: {
      include: ["test/**/*.workerd.test.ts"],
      setupFiles: ["./test/support/applyMigrations.ts"],
      testTimeout: 30_000,
      reporters: process.env.OVERLAP_TEST_REPORT_DIR ? ["default", "json"] : ["default"],
      outputFile: { json: `${process.env.OVERLAP_TEST_REPORT_DIR ?? ".tmp"}/${process.env.OVERLAP_TEST_REPORT_NAME ?? "vitest-workers"}.json` },
      poolOptions: {
        workers: {
          singleWorker: true,
          isolatedStorage: true,
          main: "./src/entry/appview.ts",
          wrangler: { configPath: "./wrangler.toml" },
          miniflare: {
            bindings: { TEST_MIGRATIONS: migrations }
          }
        }
      }
    }
  }
})
