// npm run build: bundle all four workers with `wrangler deploy --dry-run --outdir dist/<worker>`
// (exactly what a deploy would upload) and print each bundle's size, raw and gzipped.
import { spawnSync } from "node:child_process"
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import path from "node:path"
import { gzipSync } from "node:zlib"
import { workers } from "./workers.mjs"

const root = path.resolve(import.meta.dirname, "..")
const wrangler = path.join(root, "node_modules", ".bin", "wrangler")
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`

let failed = false
const rows = []
for (const worker of workers) {
  const outdir = path.join(root, "dist", worker.id)
  rmSync(outdir, { recursive: true, force: true })
  const result = spawnSync(wrangler, ["deploy", "--dry-run", "--outdir", outdir, "-c", worker.config], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" }
  })
  if (result.status !== 0) {
    failed = true
    process.stderr.write(`\n✗ ${worker.id} (${worker.config}) did not bundle:\n${result.stdout}\n${result.stderr}\n`)
    continue
  }
  const files = readdirSync(outdir).filter((f) => f.endsWith(".js") || f.endsWith(".mjs"))
  let raw = 0
  let gz = 0
  for (const file of files) {
    const bytes = readFileSync(path.join(outdir, file))
    raw += statSync(path.join(outdir, file)).size
    gz += gzipSync(bytes, { level: 9 }).length
  }
  rows.push({ worker: worker.id, config: worker.config, raw, gz })
}

console.log("\nworker     config                    bundle       gzipped")
for (const r of rows) {
  console.log(`${r.worker.padEnd(10)} ${r.config.padEnd(25)} ${kib(r.raw).padStart(11)} ${kib(r.gz).padStart(12)}`)
}
process.exit(failed ? 1 : 0)
