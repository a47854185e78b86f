// The web app (web/, React Router on a Worker) is built with Vite before `wrangler dev` runs it: the built
// web/build/server/wrangler.json is what joins the multi-config `wrangler dev`. A fresh clone has no build, so
// `npm run dev` and the browser tests build it; a build newer than every source file is reused.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import path from "node:path"

const root = path.resolve(import.meta.dirname, "..")
export const webDir = path.join(root, "web")
/** The built Worker's config, passed to `wrangler dev -c`. */
export const webWorkerConfig = path.join(webDir, "build", "server", "wrangler.json")

const newestUnder = (target) => {
  if (!existsSync(target)) return 0
  const stat = statSync(target)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(target, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((newest, entry) => Math.max(newest, statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs), 0)
}

/** Newest source the build depends on: the app, the Worker entry, the configs, and the lexicon types it imports. */
const newestSource = () =>
  Math.max(
    ...["app", "workers", "public", "vite.config.ts", "react-router.config.ts", "wrangler.jsonc"].map((part) => newestUnder(path.join(webDir, part))),
    newestUnder(path.join(root, "src", "lexicon")),
    newestUnder(path.join(root, "package-lock.json"))
  )

/** Builds web/ unless the build is newer than its sources; returns whether it built. Throws with Vite's output on failure. */
export const ensureWebBuild = ({ force = false } = {}) => {
  if (!force && existsSync(webWorkerConfig) && statSync(webWorkerConfig).mtimeMs > newestSource()) return false
  const build = spawnSync(path.join(root, "node_modules", ".bin", "react-router"), ["build", "."], {
    cwd: webDir,
    encoding: "utf8",
    // NODE_ENV production always: run from a test (vitest sets NODE_ENV=test) Vite would otherwise bundle React's
    // development build, three times the size (a stale build of that kind measured 120 KiB gzip for entry.client)
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NODE_ENV: "production" }
  })
  if (build.status !== 0) throw new Error(`web build failed:\n${build.stdout}\n${build.stderr}`)
  return true
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureWebBuild({ force: process.argv.includes("--force") })
  console.log(`web app built: ${path.relative(root, webWorkerConfig)}`)
}
