// npm run deploy:check: what must hold before a deploy, checked without a Cloudflare account.
//
//   1. every wrangler config bundles, in every environment (`wrangler deploy --dry-run --outdir`);
//   2. every `env.NAME` the bundled (tree-shaken) code of a worker reads is declared in every environment of that
//      worker's config — as a binding or a var — or is a secret (.dev.vars.example) or an optional var (`readonly
//      NAME?:` in src/platform/env.ts: the code has a default); and every binding the top level declares is also in
//      each [env.*] section (wrangler does not inherit bindings into environments);
//   3. the D1 migrations apply to an empty local database (`wrangler d1 migrations apply --local` into a temp dir).
//
// It also lists the secrets each worker needs per environment. With `--remote-secrets` (the deploy workflow) it
// asks `wrangler secret list` for each worker of the chosen environments and fails when one is missing;
// `--secrets-json <file>` reads those lists from a file instead ({ "<config>": { "<env>": ["NAME", …] } }).
//
//   node scripts/deployCheck.mjs [--root <dir>] [--config <file>]… [--env <name>]… [--skip-migrations]
//                                [--remote-secrets | --secrets-json <file>] [--json]
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { promisify } from "node:util"
import { parse as parseToml } from "smol-toml"

const run = promisify(execFile)
const scriptRoot = path.resolve(import.meta.dirname, "..")
const wrangler = path.join(scriptRoot, "node_modules", ".bin", "wrangler")

/** The worker configs and the environments a deploy uses ("" = the top level, i.e. local development). */
export const CONFIGS = ["wrangler.toml", "wrangler.firehose.toml", "wrangler.notify.toml", "wrangler.webhooks.toml"]
export const ENVIRONMENTS = ["", "staging", "production"]

/**
 * Secrets needed only when a var turns the feature on: a provider without a client id is not offered, DMs are
 * not sent without a sender. Every other secret the code reads is required outside development.
 */
export const CONDITIONAL_SECRETS = {
  GOOGLE_CLIENT_SECRET: "GOOGLE_CLIENT_ID",
  MICROSOFT_CLIENT_SECRET: "MICROSOFT_CLIENT_ID",
  DM_SENDER_APP_PASSWORD: "DM_SENDER_DID"
}

const args = (argv) => {
  const opts = { root: scriptRoot, configs: [], envs: [], migrations: true, remote: false, secretsJson: undefined, json: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === "--root") opts.root = path.resolve(argv[++i])
    else if (a === "--config") opts.configs.push(argv[++i])
    else if (a === "--env") opts.envs.push(argv[++i] === "top" ? "" : argv[i])
    else if (a === "--skip-migrations") opts.migrations = false
    else if (a === "--remote-secrets") opts.remote = true
    else if (a === "--secrets-json") opts.secretsJson = argv[++i]
    else if (a === "--json") opts.json = true
    else throw new Error(`unknown argument ${a}`)
  }
  if (opts.configs.length === 0) opts.configs = CONFIGS
  if (opts.envs.length === 0) opts.envs = ENVIRONMENTS
  return opts
}

/** The section of a parsed config an environment reads ("" = top level). */
const sectionOf = (config, env) => (env === "" ? config : config.env?.[env])

/** Binding names a config section declares, by kind; vars separately. */
export const declaredIn = (section) => {
  const bindings = new Set()
  const add = (list, key) => { for (const entry of list ?? []) if (entry?.[key] !== undefined) bindings.add(entry[key]) }
  add(section.d1_databases, "binding")
  add(section.kv_namespaces, "binding")
  add(section.r2_buckets, "binding")
  add(section.analytics_engine_datasets, "binding")
  add(section.durable_objects?.bindings, "name")
  add(section.queues?.producers, "binding")
  add(section.send_email, "name")
  add(section.services, "binding")
  add(section.vectorize, "binding")
  add(section.hyperdrive, "binding")
  add(section.workflows, "binding")
  if (section.ai?.binding !== undefined) bindings.add(section.ai.binding)
  if (section.browser?.binding !== undefined) bindings.add(section.browser.binding)
  return { bindings, vars: section.vars ?? {} }
}

/** Secret names: the `NAME=` lines of .dev.vars.example. */
export const secretNames = (root) =>
  new Set([...readFileSync(path.join(root, ".dev.vars.example"), "utf8").matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]))

/**
 * Optional vars: `readonly NAME?: …` in src/platform/env.ts — the code has a default for them (RATE_LIMITS,
 * HOLD_TTL_MS…), so an environment may leave them out. Bindings and the vars Env requires are not optional.
 */
export const optionalVarNames = (root) =>
  new Set([...readFileSync(path.join(root, "src", "platform", "env.ts"), "utf8").matchAll(/^\s*readonly ([A-Z][A-Z0-9_]*)\?: /gm)].map((m) => m[1]))

/** `env.NAME` reads in a bundle's JavaScript (esbuild renames the parameter env2, env3…; the property stays). */
export const namesRead = (outdir) => {
  const names = new Set()
  for (const file of readdirSync(outdir).filter((f) => /\.m?js$/.test(f))) {
    for (const m of readFileSync(path.join(outdir, file), "utf8").matchAll(/\benv\d*\.([A-Z][A-Z0-9_]+)\b/g)) names.add(m[1])
  }
  return names
}

const bundle = async (root, config, env, outdir) => {
  const envArgs = env === "" ? [] : ["--env", env]
  try {
    await run(wrangler, ["deploy", "--dry-run", "--outdir", outdir, "-c", config, ...envArgs], {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
      maxBuffer: 32 * 1024 * 1024
    })
    return undefined
  } catch (error) {
    return `${error.stdout ?? ""}${error.stderr ?? ""}`.trim().split("\n").slice(-12).join("\n")
  }
}

/** Runs `tasks` (functions returning promises) with at most `limit` at once. */
const pool = async (tasks, limit) => {
  const results = new Array(tasks.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++
      results[i] = await tasks[i]()
    }
  }))
  return results
}

const label = (config, env) => `${config}${env === "" ? "" : ` [env.${env}]`}`

/** The whole check; returns { errors, secrets: { [config]: { [env]: [names] } }, read: { [config]: [names] } }. */
export const deployCheck = async (opts) => {
  const errors = []
  const secrets = secretNames(opts.root)
  const optional = optionalVarNames(opts.root)
  const scratch = mkdtempSync(path.join(os.tmpdir(), "overlap-deploy-check-"))
  const required = {}
  const read = {}
  try {
    const jobs = []
    for (const config of opts.configs) {
      const parsed = parseToml(readFileSync(path.join(opts.root, config), "utf8"))
      for (const env of opts.envs) {
        const section = sectionOf(parsed, env)
        if (section === undefined) {
          errors.push(`${config} has no [env.${env}] section`)
          continue
        }
        const outdir = path.join(scratch, `${config}-${env || "top"}`)
        jobs.push({ config, env, parsed, section, outdir })
      }
    }
    const failures = await pool(jobs.map((job) => () => bundle(opts.root, job.config, job.env, job.outdir)), 3)
    jobs.forEach((job, i) => {
      const { config, env, parsed, section, outdir } = job
      if (failures[i] !== undefined) {
        errors.push(`${label(config, env)} does not bundle:\n${failures[i]}`)
        return
      }
      const names = namesRead(outdir)
      read[config] = [...names].sort()
      const { bindings, vars } = declaredIn(section)
      const top = declaredIn(parsed)
      for (const name of [...names].sort()) {
        if (bindings.has(name) || name in vars || secrets.has(name) || optional.has(name)) continue
        errors.push(`${label(config, env)}: the code reads env.${name}, which is neither a binding nor a var there, nor a secret in .dev.vars.example, nor an optional var in src/platform/env.ts`)
      }
      if (env !== "") {
        for (const name of top.bindings) {
          if (!bindings.has(name)) errors.push(`${label(config, env)}: binding ${name} is declared at the top level but not in this environment (environments do not inherit bindings)`)
        }
      }
      const needed = [...names].filter((name) => secrets.has(name) && !(bindings.has(name) || name in vars)).filter((name) => {
        const gate = CONDITIONAL_SECRETS[name]
        return gate === undefined || (typeof vars[gate] === "string" && vars[gate] !== "")
      }).sort()
      required[config] = { ...required[config], [env || "top"]: needed }
    })
    if (opts.migrations) {
      const persist = path.join(scratch, "d1")
      try {
        const { stdout } = await run(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist, "-c", opts.configs.includes("wrangler.toml") ? "wrangler.toml" : opts.configs[0]], {
          cwd: opts.root,
          env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
          maxBuffer: 32 * 1024 * 1024
        })
        if (!/✅|Migrations applied|No migrations to apply/i.test(stdout)) errors.push(`migrations: unexpected output:\n${stdout.slice(-2000)}`)
      } catch (error) {
        errors.push(`migrations do not apply to an empty database:\n${`${error.stdout ?? ""}${error.stderr ?? ""}`.trim().slice(-2000)}`)
      }
    }
    if (opts.remote || opts.secretsJson !== undefined) {
      const given = opts.secretsJson !== undefined ? JSON.parse(readFileSync(opts.secretsJson, "utf8")) : undefined
      for (const config of opts.configs) {
        for (const env of opts.envs.filter((e) => e !== "")) {
          const needed = required[config]?.[env] ?? []
          let present
          if (given !== undefined) present = new Set(given[config]?.[env] ?? [])
          else {
            try {
              const { stdout } = await run(wrangler, ["secret", "list", "-c", config, "--env", env, "--format", "json"], {
                cwd: opts.root,
                env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" }
              })
              present = new Set(JSON.parse(stdout.slice(stdout.indexOf("["))).map((s) => s.name))
            } catch (error) {
              errors.push(`${label(config, env)}: wrangler secret list failed: ${`${error.stderr ?? error.message}`.trim().slice(-500)}`)
              continue
            }
          }
          for (const name of needed) {
            if (!present.has(name)) errors.push(`${label(config, env)}: secret ${name} is not set (npx wrangler secret put ${name} -c ${config} --env ${env})`)
          }
        }
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  return { errors, secrets: required, read }
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)
if (isMain) {
  const opts = args(process.argv.slice(2))
  if (!existsSync(path.join(opts.root, ".dev.vars.example"))) throw new Error(`${opts.root} has no .dev.vars.example`)
  const started = Date.now()
  const result = await deployCheck(opts)
  if (opts.json) console.log(JSON.stringify(result, null, 2))
  else {
    console.log("secrets each worker needs:")
    for (const [config, envs] of Object.entries(result.secrets)) {
      for (const [env, names] of Object.entries(envs)) if (env !== "top") console.log(`  ${label(config, env)}: ${names.join(", ") || "(none)"}`)
    }
    for (const error of result.errors) console.error(`✗ ${error}`)
    console.log(result.errors.length === 0
      ? `deploy check passed (${opts.configs.length} configs × ${opts.envs.length} environments${opts.migrations ? ", migrations" : ""}) in ${((Date.now() - started) / 1000).toFixed(1)} s`
      : `deploy check failed: ${result.errors.length} problem(s)`)
  }
  process.exit(result.errors.length === 0 ? 0 : 1)
}
