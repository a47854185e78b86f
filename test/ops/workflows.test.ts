// The GitHub Actions workflows, parsed with a YAML parser: CI runs .ci/run on push and pull request; deploy checks,
// then staging (secrets checked before migrations and deploys, smoke /healthz), then production behind approval.
import { readFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"

const root = path.resolve(import.meta.dirname, "..", "..")
type Step = { readonly name?: string; readonly run?: string; readonly uses?: string; readonly with?: Record<string, string> }
type Job = { readonly needs?: string | ReadonlyArray<string>; readonly environment?: { readonly name: string }; readonly steps: ReadonlyArray<Step> }
type Workflow = { readonly on: Record<string, unknown>; readonly jobs: Record<string, Job> }
const workflow = (name: string) => parse(readFileSync(path.join(root, ".github", "workflows", name), "utf8")) as Workflow

const indexOf = (steps: ReadonlyArray<Step>, match: (step: Step) => boolean) => {
  const i = steps.findIndex(match)
  expect(i, "step not found").toBeGreaterThanOrEqual(0)
  return i
}

describe("ci.yml", () => {
  it("runs bash .ci/run on every push and pull request", () => {
    const ci = workflow("ci.yml")
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"])
    expect(ci.on.push ?? null).toBeNull() // every branch
    const steps = Object.values(ci.jobs).flatMap((job) => job.steps)
    expect(steps.some((step) => step.run?.trim() === "bash .ci/run")).toBe(true)
  })
})

describe("deploy.yml", () => {
  const deploy = workflow("deploy.yml")

  it("runs on main", () => {
    expect((deploy.on.push as { branches: ReadonlyArray<string> }).branches).toEqual(["main"])
  })

  it("checks first, then staging, then production behind the production environment", () => {
    expect(deploy.jobs.check!.steps.some((step) => step.run === "npm run deploy:check")).toBe(true)
    expect(deploy.jobs.staging!.needs).toBe("check")
    expect(deploy.jobs.staging!.environment?.name).toBe("staging")
    expect(deploy.jobs.production!.needs).toBe("staging")
    expect(deploy.jobs.production!.environment?.name).toBe("production")
  })

  for (const env of ["staging", "production"] as const) {
    it(`${env}: secrets checked, then migrations, then all four workers with wrangler-action, then /healthz`, () => {
      const steps = deploy.jobs[env]!.steps
      const secrets = indexOf(steps, (s) => s.run?.includes(`deployCheck.mjs --env ${env}`) === true && s.run.includes("--remote-secrets"))
      const wranglerSteps = steps.filter((s) => s.uses?.startsWith("cloudflare/wrangler-action@") === true)
      const migrations = indexOf(steps, (s) => s.uses?.startsWith("cloudflare/wrangler-action@") === true && /d1 migrations apply DB --remote --env (\S+)/.exec(s.with?.command ?? "")?.[1] === env)
      const workers = indexOf(steps, (s) => s.uses?.startsWith("cloudflare/wrangler-action@") === true && (s.with?.command ?? "").includes("deploy -c"))
      const smoke = indexOf(steps, (s) => s.run?.includes("smokeHealthz.mjs") === true && s.run.includes("/healthz"))
      expect(secrets).toBeLessThan(migrations)
      expect(migrations).toBeLessThan(workers)
      expect(workers).toBeLessThan(smoke)
      const deploys = (steps[workers]!.with!.command ?? "").trim().split("\n").map((line) => line.trim())
      expect(deploys).toEqual(["wrangler.toml", "wrangler.firehose.toml", "wrangler.notify.toml", "wrangler.webhooks.toml"].map((c) => `deploy -c ${c} --env ${env}`))
      for (const step of wranglerSteps) expect(step.with?.apiToken).toBe("${{ secrets.CLOUDFLARE_API_TOKEN }}")
    })
  }
})
