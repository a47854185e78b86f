// npm test: type-check, then every vitest project (Node, workerd). Each stage runs even when an
// earlier one failed, so a run reports every failure; the exit code is non-zero if any stage failed.
import { spawnSync } from "node:child_process"
import path from "node:path"

const root = path.resolve(import.meta.dirname, "..")
const bin = (name) => path.join(root, "node_modules", ".bin", name)
const extra = process.argv.slice(2)

const stages = [
  { name: "type-check", cmd: bin("tsc"), args: ["-p", "tsconfig.json", "--noEmit"] },
  { name: "node tests", cmd: bin("vitest"), args: ["run", "-c", "vitest.node.config.ts", ...extra] },
  { name: "workerd tests", cmd: bin("vitest"), args: ["run", "-c", "vitest.workers.config.ts", ...extra] },
  { name: "firehose workerd tests", cmd: bin("vitest"), args: ["run", "-c", "vitest.firehose.config.ts", ...extra] }
]

const failed = []
for (const stage of stages) {
  console.log(`\n▶ ${stage.name}`)
  const result = spawnSync(stage.cmd, stage.args, { cwd: root, stdio: "inherit" })
  if (result.status !== 0) failed.push(stage.name)
}
console.log(failed.length === 0 ? "\nall stages passed" : `\nfailed: ${failed.join(", ")}`)
process.exit(failed.length === 0 ? 0 : 1)
