import { defineWorkersConfig, readD1Migrations } from "@cloudflare/vitest-pool-workers/config"
import net from "node:net"
import path from "node:path"
import { workerdResolve } from "./test/support/workerdResolve"

// The firehose worker inside workerd (FirehoseDO with its outbound WebSocket, the Tap webhook, the index-tasks
// queue and the AppView's indexer, all in one worker: test/firehose/firehoseTestWorker.ts) against a real local
// PLC + PDS and a scripted Jetstream, which test/firehose/globalSetup.ts starts in Node on the ports chosen here.
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = net.createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })

// Chosen when this file loads, in the main vitest process; globalSetup (same process) reads them from globalThis
// (vitest resets process.env between loading the config and running globalSetup).
const ports = ((globalThis as { __overlapFirehosePorts?: Record<string, number> }).__overlapFirehosePorts ??= {
  plc: await freePort(),
  pds: await freePort(),
  jetstream: await freePort()
})
const [plcPort, pdsPort, jetstreamPort] = [ports.plc, ports.pds, ports.jetstream]

export default defineWorkersConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"))
  return {
    resolve: workerdResolve,
    test: {
      include: ["test/**/*.firehose.test.ts"],
      globalSetup: ["./test/firehose/globalSetup.ts"],
      setupFiles: ["./test/support/applyMigrations.ts"],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      reporters: process.env.OVERLAP_TEST_REPORT_DIR ? ["default", "json"] : ["default"],
      outputFile: { json: `${process.env.OVERLAP_TEST_REPORT_DIR ?? ".tmp"}/vitest-firehose.json` },
      poolOptions: {
        workers: {
          singleWorker: true,
          // the FirehoseDO keeps a socket open across tests; each test uses its own accounts and source ids
          isolatedStorage: false,
          main: "./test/firehose/firehoseTestWorker.ts",
          wrangler: { configPath: "./wrangler.firehose.toml" },
          miniflare: {
            bindings: {
              TEST_MIGRATIONS: migrations,
              PLC_URL: `http://localhost:${plcPort}`,
              TEST_PDS_URL: `http://localhost:${pdsPort}`,
              TEST_JETSTREAM_URL: `ws://127.0.0.1:${jetstreamPort}`,
              TAP_WEBHOOK_SECRET: "tap-test-secret",
              // bench/firehoseLag.bench.ts sets it; 0 skips test/firehose/lag.firehose.test.ts
              OVERLAP_BENCH_LAG: process.env.OVERLAP_BENCH_LAG ?? "0",
              FIREHOSE_SOURCES: JSON.stringify([
                { id: "local-pds", kind: "firehose", url: `ws://localhost:${pdsPort}/xrpc/com.atproto.sync.subscribeRepos` }
              ])
            },
            queueProducers: { CALENDAR_TASKS: { queueName: "calendar-tasks" } },
            queueConsumers: { "index-tasks": { maxBatchSize: 100, maxBatchTimeout: 0.05, maxRetries: 5 } }
          }
        }
      }
    }
  }
})
