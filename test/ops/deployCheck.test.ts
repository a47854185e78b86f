// scripts/deployCheck.mjs (npm run deploy:check) on the repository, and on a copy with one binding removed and one
// secret missing: the first passes, the second fails naming both.
import { execFile } from "node:child_process"
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { promisify } from "node:util"
import { afterAll, describe, expect, it } from "vitest"

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, "..", "..")
const script = path.join(root, "scripts", "deployCheck.mjs")
const scratch = mkdtempSync(path.join(os.tmpdir(), "overlap-deploy-check-test-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const check = async (args: ReadonlyArray<string>) => {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], { maxBuffer: 16 * 1024 * 1024 })
    return { code: 0, out: stdout + stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` }
  }
}

const secretsFile = (name: string, secrets: Record<string, Record<string, ReadonlyArray<string>>>) => {
  const file = path.join(scratch, name)
  writeFileSync(file, JSON.stringify(secrets))
  return file
}

/** A copy of the repository's configs beside links to its code, so a config can be edited without touching the tree. */
const copyOfRepo = () => {
  const dir = mkdtempSync(path.join(scratch, "repo-"))
  for (const file of ["wrangler.toml", "wrangler.firehose.toml", "wrangler.notify.toml", "wrangler.webhooks.toml", ".dev.vars.example", "package.json", "tsconfig.json"]) {
    copyFileSync(path.join(root, file), path.join(dir, file))
  }
  for (const link of ["src", "migrations", "node_modules"]) symlinkSync(path.join(root, link), path.join(dir, link), "dir")
  return dir
}

describe("npm run deploy:check", () => {
  it("passes on the repository: the webhooks worker bundles for staging, its bindings are there, migrations apply, its secret is set", async () => {
    const secrets = secretsFile("all-set.json", { "wrangler.webhooks.toml": { staging: ["PUSH_CHANNEL_SECRET"] } })
    const result = await check(["--config", "wrangler.webhooks.toml", "--env", "staging", "--secrets-json", secrets])
    expect(result.out).toContain("deploy check passed")
    expect(result.out).toMatch(/wrangler\.webhooks\.toml \[env\.staging\]: PUSH_CHANNEL_SECRET/)
    expect(result.code).toBe(0)
  }, 300_000)

  it("fails when a binding is removed from an environment and when a needed secret is not set", async () => {
    const dir = copyOfRepo()
    const config = path.join(dir, "wrangler.webhooks.toml")
    const text = readFileSync(config, "utf8")
    const edited = text.replace(/\ndurable_objects\.bindings = \[\{ name = "USER_CONNECTOR"[^\n]*staging"[^\n]*\}\]\n/, "\n")
    expect(edited).not.toBe(text)
    writeFileSync(config, edited)
    const secrets = secretsFile("none-set.json", { "wrangler.webhooks.toml": { staging: [] } })
    const result = await check(["--root", dir, "--config", "wrangler.webhooks.toml", "--env", "staging", "--skip-migrations", "--secrets-json", secrets])
    expect(result.code).toBe(1)
    expect(result.out).toContain("wrangler.webhooks.toml [env.staging]: the code reads env.USER_CONNECTOR")
    expect(result.out).toContain("binding USER_CONNECTOR is declared at the top level but not in this environment")
    expect(result.out).toContain("secret PUSH_CHANNEL_SECRET is not set")
  }, 300_000)
})
