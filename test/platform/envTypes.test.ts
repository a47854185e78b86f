import { execFile } from "node:child_process"
import path from "node:path"
import { promisify } from "node:util"
import { expect, it } from "vitest"

// worker-configuration.d.ts is generated from the wrangler configs (scripts/envTypes.mjs); a config changed
// without regenerating it leaves `Env` describing bindings the workers no longer have, or missing new ones.
it("worker-configuration.d.ts is what `wrangler types` makes of the wrangler configs now", async () => {
  const root = path.resolve(import.meta.dirname, "../..")
  const run = await promisify(execFile)(process.execPath, [path.join(root, "scripts/envTypes.mjs"), "--check"], { cwd: root })
    .then(() => "up to date", (error: { stderr?: string }) => error.stderr ?? String(error))
  expect(run).toBe("up to date")
}, 120_000)
