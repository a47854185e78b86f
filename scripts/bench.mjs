#!/usr/bin/env node
// `npm run bench [-- filter…]`: bundles each bench/*.bench.ts with esbuild (platform node, ESM; packages
// stay external and resolve from node_modules) into .tmp/bench/ and runs them one after another in Node,
// each in its own process so one bench's JIT state or leftovers cannot colour the next. A filter keeps
// the files whose name contains it. Exits non-zero if any bench fails to build or run.
import { build } from "esbuild"
import { spawnSync } from "node:child_process"
import { mkdirSync, readdirSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const benchDir = path.join(root, "bench")
const outDir = path.join(root, ".tmp", "bench")
const filters = process.argv.slice(2)

const files = readdirSync(benchDir)
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort()

if (files.length === 0) {
  console.error(`no bench/*.bench.ts${filters.length > 0 ? ` matching ${filters.join(", ")}` : ""}`)
  process.exit(1)
}

mkdirSync(outDir, { recursive: true })
console.log(`node ${process.version} · ${os.cpus()[0]?.model ?? "unknown CPU"} · ${os.cpus().length} cores`)

const failed = []
for (const file of files) {
  const outfile = path.join(outDir, file.replace(/\.ts$/, ".mjs"))
  try {
    await build({
      entryPoints: [path.join(benchDir, file)],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      sourcemap: "inline",
      logLevel: "warning"
    })
  } catch (error) {
    console.error(`✗ ${file}: build failed`, error instanceof Error ? error.message : error)
    failed.push(file)
    continue
  }
  console.log(`\n▶ ${file}`)
  const run = spawnSync(process.execPath, ["--enable-source-maps", outfile], { cwd: root, stdio: "inherit" })
  if (run.status !== 0) {
    console.error(`✗ ${file} exited with ${run.status ?? run.signal}`)
    failed.push(file)
  }
}

if (failed.length > 0) {
  console.error(`\n${failed.length} bench file(s) failed: ${failed.join(", ")}`)
  process.exitCode = 1
}
