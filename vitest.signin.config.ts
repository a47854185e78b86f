import { defineWorkersConfig, readD1Migrations } from "@cloudflare/vitest-pool-workers/config"
import net from "node:net"
import path from "node:path"
import { workerdResolve } from "./test/support/workerdResolve"

// Sign-in against the real local PDS (docs/signin.md): the AppView worker inside workerd (test/support/appviewTestWorker.ts,
// wrangler.toml's bindings) and a real PLC + PDS that test/signin/globalSetup.ts starts in Node on the free ports chosen
// here. The tests drive the PDS's own sign-in and consent API the way its page does.
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = net.createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })

// chosen once in the main vitest process; globalSetup reads them from globalThis
const ports = ((globalThis as { __overlapSignInPorts?: Record<string, number> }).__overlapSignInPorts ??= {
  plc: await freePort(),
  pds: await freePort(),
  client: await freePort()
})

export default defineWorkersConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"))
  return {
    resolve: workerdResolve,
    test: {
      include: ["test/signin/**/*.pds.test.ts"],
      globalSetup: ["./test/signin/globalSetup.ts"],
      setupFiles: ["./test/support/applyMigrations.ts"],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      reporters: process.env.OVERLAP_TEST_REPORT_DIR ? ["default", "json"] : ["default"],
      outputFile: { json: `${process.env.OVERLAP_TEST_REPORT_DIR ?? ".tmp"}/vitest-signin.json` },
      poolOptions: {
        workers: {
          singleWorker: true,
          isolatedStorage: false,
          main: "./test/support/appviewTestWorker.ts",
          wrangler: { configPath: "./wrangler.toml" },
          miniflare: {
            bindings: {
              TEST_MIGRATIONS: migrations,
              PLC_URL: `http://localhost:${ports.plc}`,
              ATPROTO_DEV_HANDLE_RESOLVER: `http://localhost:${ports.pds}`,
              TEST_PDS_URL: `http://localhost:${ports.pds}`,
              TEST_CLIENT_URL: `http://127.0.0.1:${ports.client}`
            }
          }
        }
      }
    }
  }
})
