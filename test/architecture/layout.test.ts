/**
 * The rules the layout keeps (docs/architecture.md, "Layout"), checked mechanically over every source file:
 * imports point one way (domain ← services ← platform ← adapters / features ← entry), no source file grows past
 * ~400 lines, no `Effect.serviceOption` on a request path and no `as unknown as` on a binding.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "../..")
const src = path.join(root, "src")

const walk = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    return statSync(full).isDirectory() ? walk(full) : /\.tsx?$/.test(name) ? [full] : []
  })

/** Every source file but the generated lexicon code. */
const sources = walk(src).filter((f) => !f.startsWith(path.join(src, "lexicon")))

/** The top-level folder of a file under src/ ("domain", "services", …). */
const folderOf = (file: string) => path.relative(src, file).split(path.sep)[0]

/** What each folder may import from (besides itself and the generated src/lexicon). */
const allowedImports: Record<string, ReadonlyArray<string>> = {
  domain: [],
  services: ["domain"],
  platform: ["domain", "services"],
  adapters: ["domain", "services", "platform"],
  features: ["domain", "services", "platform"],
  entry: ["domain", "services", "platform", "adapters", "features"]
}

const importPattern = /(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g

/** The relative imports of one file (its path and text) that leave its folder for one it may not use: "file → target". */
const violationsOf = (file: string, text: string) => {
    const folder = folderOf(file)
    const allowed = new Set([folder, "lexicon", ...(allowedImports[folder] ?? [])])
    return [...text.matchAll(importPattern)].flatMap(([, spec]) => {
      const target = path.resolve(path.dirname(file), spec)
      const targetFolder = path.relative(src, target).split(path.sep)[0]
      return target.startsWith(src) && !allowed.has(targetFolder)
        ? [`${path.relative(root, file)} → ${path.relative(root, target)}`]
        : []
    })
}

const violations = (files: ReadonlyArray<string>) => files.flatMap((file) => violationsOf(file, readFileSync(file, "utf8")))

describe("layout rules", () => {
  it("knows every top-level folder of src/", () => {
    const folders = new Set(sources.map(folderOf))
    expect([...folders].filter((f) => !(f in allowedImports))).toEqual([])
  })

  it("imports point one way: domain ← services ← platform ← adapters / features ← entry", () => {
    expect(violations(sources)).toEqual([])
  })

  it("the checker catches an import against the direction", () => {
    // a domain file importing a service, and an adapter importing a feature: both must be reported
    const text = `import { X } from "../services/X"\nimport { D } from "./money"\nimport type { Y } from "../../features/a/Y"\n`
    expect(violationsOf(path.join(src, "domain", "probe.ts"), text)).toEqual(["src/domain/probe.ts → src/services/X"])
    expect(violationsOf(path.join(src, "adapters", "d1", "probe.ts"), text)).toEqual(["src/adapters/d1/probe.ts → src/features/a/Y"])
    expect(violationsOf(path.join(src, "entry", "probe.ts"), text)).toEqual([])
  })

  it("no source file is longer than 400 lines", () => {
    const long = sources
      .map((f) => [path.relative(root, f), readFileSync(f, "utf8").split("\n").length] as const)
      .filter(([, lines]) => lines > 400)
    expect(long).toEqual([])
  })

  it("no Effect.serviceOption outside entry/ and tests", () => {
    const found = sources.filter((f) => folderOf(f) !== "entry" && /Effect\.serviceOption\(/.test(readFileSync(f, "utf8")))
    expect(found.map((f) => path.relative(root, f))).toEqual([])
  })

  it("no `as unknown as` on a binding", () => {
    const found = sources.flatMap((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .filter((line) => /as unknown as/.test(line) && /env\.|Env\b|Namespace|Queue|Stub|binding/i.test(line))
        .map((line) => `${path.relative(root, f)}: ${line.trim()}`)
    )
    expect(found).toEqual([])
  })
})
