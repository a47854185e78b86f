// The bindings and vars of the four workers, as `wrangler types` reads them from their wrangler configs, merged
// into one ambient interface `WorkerBindings` in worker-configuration.d.ts (src/platform/env.ts builds `Env` on it).
//
//   node scripts/envTypes.mjs            writes worker-configuration.d.ts
//   node scripts/envTypes.mjs --check    exits 1 when worker-configuration.d.ts is not what it would write
//
// wrangler writes one `Cloudflare.Env` per run (plus globals: GlobalProps, NodeJS.ProcessEnv), so four runs into
// one program would collide; this keeps only each run's `interface Env` members. A binding several workers declare
// has one type; a Durable Object another worker owns (script_name) comes out untyped and takes its owner's type.
// Runtime types stay with @cloudflare/workers-types (--include-runtime false); vars are plain strings
// (--strict-vars false), since tests and local dev set other values than the configs.
import { execFile } from "node:child_process"
import { copyFile, mkdtemp, readFile, rm, symlink, unlink, writeFile } from "node:fs/promises"
import os from "node:os"
import path from "node:path"
import { promisify } from "node:util"

const root = path.resolve(import.meta.dirname, "..")
const output = path.join(root, "worker-configuration.d.ts")
const workers = ["wrangler.toml", "wrangler.notify.toml", "wrangler.webhooks.toml", "wrangler.firehose.toml"]
const wrangler = path.join(root, "node_modules", ".bin", "wrangler")

/** The members of `interface Env` in one wrangler-generated file: name, optional, type (imports made relative to `output`). */
const membersOf = (text, generatedAt) => {
  const block = /\n\tinterface Env \{\n([\s\S]*?)\n\t\}/.exec(text)
  if (block === null) throw new Error(`no interface Env in ${generatedAt}`)
  return block[1].split("\n").map((line) => {
    const member = /^\t\t(\w+)(\??): (.+);$/.exec(line)
    if (member === null) throw new Error(`unexpected line in ${generatedAt}: ${line}`)
    const type = member[3].replace(/import\("([^"]+)"\)/g, (_, spec) => {
      const relative = path.relative(path.dirname(output), path.resolve(path.dirname(generatedAt), spec)).split(path.sep).join("/")
      return `import("${relative.startsWith(".") ? relative : `./${relative}`}")`
    })
    return { name: member[1], optional: member[2] === "?", type }
  })
}

const generate = async () => {
  // wrangler reads secrets from a .dev.vars (or .env) beside the config; the configs are copied to a directory
  // without one, so a developer's local secrets never reach the checked-in types (secrets are in src/platform/env.ts).
  const dir = await mkdtemp(path.join(os.tmpdir(), "overlap-env-types-"))
  try {
    await symlink(path.join(root, "src"), path.join(dir, "src"), "dir") // wrangler types the objects from `main`'s exports
    const generated = await Promise.all(workers.map(async (config, i) => {
      const file = path.join(dir, `${i}.d.ts`)
      await copyFile(path.join(root, config), path.join(dir, config))
      await promisify(execFile)(wrangler, ["types", file, "--include-runtime", "false", "--strict-vars", "false", "-c", config], {
        cwd: dir,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false" }
      })
      // the config's `main` resolved inside `dir` names the same file under `root`
      const text = (await readFile(file, "utf8")).replace(/import\("([^"]+)"\)/g, (_, spec) =>
        `import("${path.relative(dir, path.join(root, path.relative(dir, path.resolve(dir, spec))))}")`)
      return { config, members: membersOf(text, file) }
    }))
    /** @type {Map<string, { optional: boolean, type: string, configs: Array<string> }>} */
    const merged = new Map()
    for (const { config, members } of generated) {
      for (const member of members) {
        const seen = merged.get(member.name)
        if (seen === undefined) {
          merged.set(member.name, { optional: member.optional, type: member.type, configs: [config] })
          continue
        }
        seen.configs.push(config)
        seen.optional ||= member.optional
        if (seen.type === member.type) continue
        const typed = [seen.type, member.type].filter((t) => t.includes("import("))
        const untyped = [seen.type, member.type].filter((t) => t.split(" | ").every((one) => /^DurableObjectNamespace \/\*[^*]*\*\/$/.test(one)))
        if (typed.length !== 1 || untyped.length !== 1) throw new Error(`${member.name} has two types: ${seen.type} / ${member.type}`)
        seen.type = typed[0]
      }
    }
    // A var only some workers set is optional for all (each reads it with a default); bindings are typed as bound,
    // since each worker's layers use only what its config binds.
    const lines = [...merged].map(([name, { optional, type, configs }]) => {
      const absentSomewhere = optional || (type === "string" && configs.length < workers.length)
      return `  /** ${configs.join(", ")} */\n  readonly ${name}${absentSomewhere ? "?" : ""}: ${type}`
    })
    return [
      "// Generated by scripts/envTypes.mjs (`wrangler types --include-runtime false --strict-vars false` over each",
      `// wrangler config, merged): do not edit; run \`node scripts/envTypes.mjs\`. test/platform/envTypes.test.ts checks it.`,
      "",
      "/** Every binding and var the wrangler configs declare, with the configs that declare it. */",
      "interface WorkerBindings {",
      ...lines,
      "}",
      ""
    ].join("\n")
  } finally {
    await unlink(path.join(dir, "src")).catch(() => undefined) // the link first: never recurse into the real src/
    await rm(dir, { recursive: true, force: true })
  }
}

const text = await generate()
if (process.argv.includes("--check")) {
  const current = await readFile(output, "utf8").catch(() => "")
  if (current !== text) {
    console.error("worker-configuration.d.ts is stale: run `node scripts/envTypes.mjs`")
    process.exit(1)
  }
} else {
  await writeFile(output, text)
}
