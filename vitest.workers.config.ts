import { defineWorkersConfig, readD1Migrations } from "@cloudflare/vitest-pool-workers/config"
import { Server } from "node:http"
import path from "node:path"
import { workerdResolve } from "./test/support/workerdResolve"

// Miniflare's loopback server, which the pool calls to push and pop every test's isolated storage, keeps Node's
// default 5 s keepAliveTimeout. workerd pools and reuses its connections to it, so a call sent on a socket Node is
// closing at that moment fails with "Network connection lost" (workers-sdk#14848): a test that ended about 5 s after
// the previous loopback call failed its storage pop that way. Miniflare turns the timeout off since #14850, later than
// the miniflare wrangler 4.66 brings; until the toolchain moves, the same change from here. Every HTTP server this
// process starts is Miniflare's (this config has no globalSetup), and each listens with no keep-alive timeout.
const listen = Server.prototype.listen as (this: Server, ...args: Array<unknown>) => Server
Server.prototype.listen = function (this: Server, ...args: Array<unknown>) {
  this.keepAliveTimeout = 0
  return listen.apply(this, args)
} as Server["listen"]

// Tests that run inside workerd against real local bindings (D1, KV, R2, Durable Objects, Queues)
// from wrangler.toml. The same migrations the dev server applies are applied before each file.
export default defineWorkersConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"))
  // The default limits (src/domain/rateLimits.ts) with buckets that refill slowly. Every RateLimiterDO take arms
  // the object's cleanup alarm, due when the bucket is full again: 500 ms after a read at the default 2 tokens a
  // second. Alarms are outside isolated storage, so one left by a test fired into the next test, or while the
  // pool popped the test's storage (workers-sdk#11031). At 0.001 tokens a second none comes due during a run.
  // Tests that spend tokens at other rates pass their own RATE_LIMITS and delete their alarms (test/support/alarms.ts).
  const rateLimits = {
    availability: { capacity: 10, refillPerSecond: 0.001 },
    match: { capacity: 5, refillPerSecond: 0.001 },
    mutation: { capacity: 30, refillPerSecond: 0.001 },
    read: { capacity: 60, refillPerSecond: 0.001 },
    // every authenticated test request comes from one network (no CF-Connecting-IP): a bucket no file empties
    authAttempts: { capacity: 100_000, refillPerSecond: 0.001 }
  }
  return {
    resolve: workerdResolve,
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
          // the AppView as deployed, with test-only subclasses of two objects (test/support/appviewTestWorker.ts)
          main: "./test/support/appviewTestWorker.ts",
          wrangler: { configPath: "./wrangler.toml" },
          miniflare: {
            bindings: { TEST_MIGRATIONS: migrations, RATE_LIMITS: JSON.stringify(rateLimits) }
          }
        }
      }
    }
  }
})
