/**
 * What the Workers' bundles cost at upload and at a cold start (issue 17: ECharts in the AppView).
 * - Size: each worker bundled as `wrangler deploy --dry-run --outdir` does for a deploy; raw and gzip (level 9)
 *   bytes of the module wrangler would upload (free plan limit 3 MiB gzip, paid 10 MiB).
 * - Startup: the bundle's top-level evaluation (what Cloudflare bounds with the 400 ms startup CPU limit), as CPU
 *   time of `import()` in a fresh Node process per run (the same V8 as workerd; `cloudflare:workers` replaced by a
 *   stub class), median and p90 of RUNS runs. Also the console's chart module alone (ECharts: core, line chart,
 *   grid, legend, title, mark line, SVG renderer) bundled by esbuild, and one chart rendered to SVG.
 * STARTUP_ONLY=appview measures the AppView alone; STARTUP_COMPARE=<file.js>,… adds other builds.
 * Prints the figures; exits non-zero only when something cannot be built or loaded.
 */
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { gzipSync } from "node:zlib"

const RUNS = 10
const CONFIGS = (process.env.STARTUP_ONLY === "appview" ? [["appview", "wrangler.toml"]] : [
  ["appview", "wrangler.toml"],
  ["firehose", "wrangler.firehose.toml"],
  ["notify", "wrangler.notify.toml"],
  ["webhooks", "wrangler.webhooks.toml"]
]) as ReadonlyArray<readonly [string, string]>

const work = mkdtempSync(path.join(os.tmpdir(), "overlap-startup-"))
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`

// a loader that answers `cloudflare:*` imports with a stub (a DurableObject / WorkerEntrypoint base class)
const stub = `export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env } }
export class WorkerEntrypoint { constructor(ctx, env) { this.ctx = ctx; this.env = env } }
export class WorkflowEntrypoint {}
export class EmailMessage { constructor(from, to, raw) { this.from = from; this.to = to; this.raw = raw } }
export const env = {}`
const hooks = path.join(work, "hooks.mjs")
writeFileSync(
  hooks,
  `export async function resolve(specifier, context, next) {
  if (specifier.startsWith("cloudflare:")) return { url: "data:text/javascript," + encodeURIComponent(${JSON.stringify(stub)}), shortCircuit: true }
  return next(specifier, context)
}`
)
const register = path.join(work, "register.mjs")
writeFileSync(register, `import { register } from "node:module"; register(${JSON.stringify(`file://${hooks}`)})`)

/** CPU and wall milliseconds of `import(file)` (then `after`, if given) in a fresh Node process. */
const importOnce = (file: string, after = ""): { cpu: number; wall: number; afterMs: number } => {
  const probe = path.join(work, "probe.mjs")
  writeFileSync(
    probe,
    `const cpuUsage = process.cpuUsage.bind(process); const log = console.log.bind(console)
const c0 = cpuUsage(); const t0 = performance.now()
// the bundle installs its own globalThis.process (unenv): keep Node's functions from before
const mod = await import(${JSON.stringify(`file://${file}`)})
const c1 = cpuUsage(c0); const t1 = performance.now()
const a0 = performance.now(); ${after}; const afterMs = performance.now() - a0
log(JSON.stringify({ cpu: (c1.user + c1.system) / 1000, wall: t1 - t0, afterMs }))`
  )
  const out = execFileSync(process.execPath, ["--import", register, probe], { encoding: "utf8" })
  return JSON.parse(out.trim().split("\n").pop()!) as { cpu: number; wall: number; afterMs: number }
}

const median = (values: Array<number>, q = 0.5): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * q + 0.5))]!
}

interface Target {
  readonly name: string
  readonly file: string
  readonly after?: string
}

/** Every target imported RUNS times, round-robin (a busy machine slows all of them alike), after one warm-up each. */
const startupAll = (targets: ReadonlyArray<Target>): void => {
  for (const t of targets) importOnce(t.file, t.after) // warm the file cache
  const runs = targets.map(() => [] as Array<{ cpu: number; wall: number; afterMs: number }>)
  for (let i = 0; i < RUNS; i++) targets.forEach((t, k) => runs[k]!.push(importOnce(t.file, t.after)))
  targets.forEach((t, k) => {
    const cpu = runs[k]!.map((r) => r.cpu)
    const wall = runs[k]!.map((r) => r.wall)
    const afterMs = runs[k]!.map((r) => r.afterMs)
    console.log(
      `startup ${t.name} | top-level import: CPU median ${median(cpu).toFixed(1)} ms, p90 ${median(cpu, 0.9).toFixed(1)} ms; ` +
        `wall median ${median(wall).toFixed(1)} ms` +
        (t.after === undefined ? "" : ` | then one chart (3 series × 288 points) to SVG: median ${median(afterMs).toFixed(1)} ms`) +
        ` | ${RUNS} fresh processes, node ${process.version}`
    )
  })
}

const sizeOf = (name: string, file: string): void => {
  const bytes = readFileSync(file)
  console.log(`bundle ${name} | ${kib(bytes.length)} raw, ${kib(gzipSync(bytes, { level: 9 }).length)} gzip`)
}

try {
  const empty = path.join(work, "empty.mjs")
  writeFileSync(empty, "export {}")
  const targets: Array<Target> = [{ name: "baseline (an empty module: the probe's own cost, subtract it)", file: empty }]
  for (const [name, config] of CONFIGS) {
    const outdir = path.join(work, name)
    execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir, "-c", config], { stdio: "ignore" })
    const file = path.join(outdir, `${name}.js`)
    sizeOf(`${name} (${config})`, file)
    targets.push({ name, file })
  }

  // STARTUP_COMPARE=<bundle.js>,… : other builds (e.g. an older commit's dry-run output) measured the same way
  for (const file of (process.env.STARTUP_COMPARE ?? "").split(",").filter((f) => f !== "")) {
    sizeOf(file, file)
    targets.push({ name: file, file: path.resolve(file) })
  }

  const charts = path.join(work, "charts.mjs")
  const result = await build({
    entryPoints: ["src/features/admin/pages/charts.ts"],
    outfile: charts,
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    logLevel: "warning"
  })
  if (result.errors.length > 0) throw new Error("the chart module did not build")
  sizeOf("console charts (ECharts, tree-shaken)", charts)
  const series = JSON.stringify(
    [0, 1, 2].map((i) => ({ name: `s${i}`, points: Array.from({ length: 288 }, (_, k) => [1_700_000_000_000 + k * 300_000, (k * (i + 3)) % 97]) }))
  )
  targets.push({ name: "console charts", file: charts, after: `mod.lineChart({ title: "t", unit: "ms", series: ${series} })` })
  startupAll(targets)
} finally {
  rmSync(work, { recursive: true, force: true })
}
