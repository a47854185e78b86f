// npm test: type-check, then every vitest project (Node, workerd, firehose workerd, end to end). Each
// stage runs even when an earlier one failed, so a run reports every failure; the exit code is non-zero
// if any stage failed.
//
// The workerd files run one vitest process each. The pool keeps one runtime for all files of a run
// (singleWorker), and work a file leaves behind (a Durable Object alarm, a queue consumer finishing)
// can still hold D1 open when the next file pushes its isolated-storage frame, which fails the run
// ("Expected .sqlite, got .sqlite-shm", cloudflare/workers-sdk#11031). A process per file costs a few
// seconds each and makes the files independent of each other.
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import path from "node:path"

const root = path.resolve(import.meta.dirname, "..")
const bin = (name) => path.join(root, "node_modules", ".bin", name)
const extra = process.argv.slice(2)

const filesUnder = (dir, suffix) =>
  readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => path.relative(root, path.join(entry.parentPath ?? entry.path, entry.name)))
    .sort()

const vitest = (config, args = [], reportName) => ({
  cmd: bin("vitest"),
  args: ["run", "-c", config, ...args, ...extra],
  env: reportName ? { OVERLAP_TEST_REPORT_NAME: reportName } : {}
})

const workerdFiles = extra.length > 0 ? [] : filesUnder("test", ".workerd.test.ts")
const stages = [
  { name: "type-check", cmd: bin("tsc"), args: ["-p", "tsconfig.json", "--noEmit"], env: {} },
  { name: "node tests", ...vitest("vitest.node.config.ts") },
  ...(workerdFiles.length > 0
    ? workerdFiles.map((file, i) => ({ name: `workerd: ${file}`, ...vitest("vitest.workers.config.ts", [file], `vitest-workers-${i}`) }))
    : [{ name: "workerd tests", ...vitest("vitest.workers.config.ts") }]),
  { name: "firehose workerd tests", ...vitest("vitest.firehose.config.ts") },
  // sign-in through the real local PDS (issue 13, docs/signin.md)
  { name: "sign-in workerd tests (local PDS)", ...vitest("vitest.signin.config.ts") },
  // the web app (web/): its own type-check, then the Vite build that scripts/dev.mjs runs under wrangler dev
  { name: "type-check web", cmd: bin("tsc"), args: ["-p", "web/tsconfig.json", "--noEmit"], env: {} },
  { name: "web build", cmd: process.execPath, args: [path.join(root, "scripts", "webBuild.mjs")], env: {} },
  // last: it starts the whole system (scripts/dev.mjs: workers on 8787–8790, PLC/PDS on 2582/2583) and stops it
  { name: "end-to-end test", ...vitest("vitest.e2e.config.ts") },
  // the web app in Debian Chromium against the whole system (starts and stops it too)
  { name: "browser tests", ...vitest("vitest.web.config.ts") }
]

const failed = []
for (const stage of stages) {
  console.log(`\n▶ ${stage.name}`)
  // a stage that hangs (a vitest stuck after a storage failure) fails after 20 minutes instead of eating CI's 90
  const result = spawnSync(stage.cmd, stage.args, { cwd: root, stdio: "inherit", env: { ...process.env, ...stage.env }, timeout: 20 * 60_000, killSignal: "SIGKILL" })
  if (result.error !== undefined) console.log(`\n✗ ${stage.name}: ${result.error.message}`)
  if (result.status !== 0) failed.push(stage.name)
}
console.log(failed.length === 0 ? "\nall stages passed" : `\nfailed: ${failed.join(", ")}`)
process.exit(failed.length === 0 ? 0 : 1)
