/**
 * One handler file per XRPC method, registered in one place (the bluesky-social/atproto packages/bsky/src/api
 * layout): the method `app.overlap.<path>` is handled by `src/features/<feature>/methods/<path>.ts` (dots as
 * folders, like lexicons/app/overlap/), which exports a handler named after the method's last segment and is
 * imported by exactly one file, its group's `*Http.ts`. Checked against the served API (OverlapApi) and the
 * lexicons, both ways.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { OverlapApi } from "../../src/features/OverlapApi"
import { xrpcRoutes } from "../../src/features/xrpc/xrpcGate"

const root = path.resolve(import.meta.dirname, "../..")
const features = path.join(root, "src", "features")
const lexicons = path.join(root, "lexicons", "app", "overlap")
const PREFIX = "app.overlap."

const walk = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    return statSync(full).isDirectory() ? walk(full) : [full]
  })

const sources = walk(features).filter((f) => f.endsWith(".ts"))

/** Handler files: every file under a `methods/` folder of a feature, by the NSID its path names. */
const handlerFiles = sources.flatMap((file) => {
  const relative = path.relative(features, file).split(path.sep)
  const at = relative.indexOf("methods")
  if (at < 0) return []
  const nsid = PREFIX + relative.slice(at + 1).join(".").replace(/\.ts$/, "")
  return [{ nsid, file }]
})

/** The methods the lexicons define (query or procedure), by NSID. */
const lexiconMethods = walk(lexicons)
  .filter((f) => f.endsWith(".json"))
  .flatMap((file) => {
    const doc = JSON.parse(readFileSync(file, "utf8")) as { id: string; defs: { main?: { type?: string } } }
    const type = doc.defs.main?.type
    return type === "query" || type === "procedure" ? [{ nsid: doc.id, method: type === "query" ? "GET" : "POST" }] : []
  })

const served = xrpcRoutes(OverlapApi)

/** The files that import `file` (by a relative specifier that resolves to it). */
const importersOf = (file: string) =>
  sources.filter((source) =>
    [...readFileSync(source, "utf8").matchAll(/from\s+["'](\.{1,2}\/[^"']+)["']/g)].some(
      ([, spec]) => path.resolve(path.dirname(source), spec!) + ".ts" === file
    )
  )

describe("one handler file per XRPC method", () => {
  it("every served method has exactly one handler file, and every handler file is a served method", () => {
    const byNsid = new Map<string, Array<string>>()
    for (const { file, nsid } of handlerFiles) byNsid.set(nsid, [...(byNsid.get(nsid) ?? []), path.relative(root, file)])
    expect([...served.keys()].filter((nsid) => byNsid.get(nsid)?.length !== 1)).toEqual([])
    expect([...byNsid.keys()].filter((nsid) => !served.has(nsid))).toEqual([])
  })

  it("the served methods are the lexicons' queries and procedures, each with the lexicon's HTTP method", () => {
    const fromLexicons = new Map(lexiconMethods.map(({ method, nsid }) => [nsid, method]))
    expect(new Map([...served].map(([nsid, route]) => [nsid, route.method]))).toEqual(fromLexicons)
  })

  it("each handler file exports its handler and is registered once, by its group's Http.ts", () => {
    const misplaced = handlerFiles.flatMap(({ file, nsid }) => {
      const name = nsid.split(".").at(-1)!
      const exportsHandler = new RegExp(`export const ${name}\\b`).test(readFileSync(file, "utf8"))
      const importers = importersOf(file)
      const registered = importers.length === 1 && importers[0]!.endsWith("Http.ts")
      return exportsHandler && registered ? [] : [`${path.relative(root, file)} (importers: ${importers.map((f) => path.relative(root, f)).join(", ")})`]
    })
    expect(misplaced).toEqual([])
  })
})
