#!/usr/bin/env node
// Generates src/lexicon/ from lexicons/**/*.json (run by `postinstall` and `npm run codegen`):
//   - lexicons.ts, util.ts, types/**  — @atproto/lex-cli `gen-server` (TS types + @atproto/lexicon validators);
//     its index.ts (an @atproto/xrpc-server router) is dropped: our XRPC surface is served by @effect/platform.
//   - schemas.ts — Effect Schemas generated here from the same JSON (naming contract: see section 3 below).
// Output is deterministic (sorted inputs, no timestamps) and only changed files are rewritten.
// Usage: node scripts/codegen-lexicons.mjs [--out <dir>] [--lexicons <dir>]   (defaults: src/lexicon, lexicons)
import { spawnSync } from "node:child_process"
import fs from "node:fs"
import { createRequire } from "node:module"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { Lexicons, parseLexiconDoc } from "@atproto/lexicon"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const NAMESPACE = "app.overlap."

const fail = (message) => {
  console.error(`codegen-lexicons: ${message}`)
  process.exit(1)
}

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  if (i < 0) return fallback
  const value = args[i + 1]
  if (!value) fail(`${name} needs a directory`)
  return path.resolve(value)
}
const LEXICON_DIR = option("--lexicons", path.join(ROOT, "lexicons"))
const OUT_DIR = option("--out", path.join(ROOT, "src/lexicon"))

// ---------------------------------------------------------------------------------------------------------------
// 1. Read and check the lexicon files (lex-cli silently skips invalid files, so we check first and loudly).

const walk = (dir) =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".json") ? [path.join(dir, e.name)] : []))

const byCodePoint = (a, b) => (a < b ? -1 : a > b ? 1 : 0)
const files = walk(LEXICON_DIR).sort((a, b) => byCodePoint(path.relative(LEXICON_DIR, a), path.relative(LEXICON_DIR, b)))
if (files.length === 0) fail(`no lexicon files under ${LEXICON_DIR}`)

const docs = files.map((file) => {
  const rel = path.relative(LEXICON_DIR, file).split(path.sep).join("/")
  let doc
  try {
    doc = parseLexiconDoc(JSON.parse(fs.readFileSync(file, "utf8")))
  } catch (err) {
    fail(`${rel}: not a valid lexicon: ${err instanceof Error ? err.message : String(err)}`)
  }
  const expectedId = rel.replace(/\.json$/, "").split("/").join(".")
  if (doc.id !== expectedId) fail(`${rel}: id ${doc.id} does not match its path (expected ${expectedId})`)
  if (!doc.id.startsWith(NAMESPACE)) fail(`${rel}: id ${doc.id} is outside ${NAMESPACE}*`)
  for (const [name, def] of Object.entries(doc.defs)) {
    if (def.type === "record" && !def.key) fail(`${rel}#${name}: record without key`)
    if (name !== "main" && ["record", "query", "procedure", "subscription"].includes(def.type)) {
      fail(`${rel}#${name}: ${def.type} must be the main def`)
    }
  }
  return doc
})
docs.sort((a, b) => byCodePoint(a.id, b.id))
try {
  new Lexicons(structuredClone(docs)) // the constructor rewrites refs in place
} catch (err) {
  fail(`lexicons do not load together: ${err instanceof Error ? err.message : String(err)}`)
}

// ---------------------------------------------------------------------------------------------------------------
// 2. @atproto/lex-cli gen-server into a scratch directory.

const require = createRequire(import.meta.url)
const lexCliBin = path.join(path.dirname(require.resolve("@atproto/lex-cli")), "..", "bin.js")
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "overlap-lexgen-"))
const generated = new Map() // relative path (posix) -> content
try {
  const run = spawnSync(process.execPath, [lexCliBin, "gen-server", "--yes", scratch, ...files], {
    cwd: ROOT,
    encoding: "utf8"
  })
  if (run.status !== 0) fail(`lex gen-server failed (${run.status}):\n${run.stdout}\n${run.stderr}`)
  for (const file of walk2(scratch)) {
    const rel = path.relative(scratch, file).split(path.sep).join("/")
    if (rel === "index.ts") continue
    generated.set(rel, fs.readFileSync(file, "utf8"))
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true })
}
for (const doc of docs) {
  const rel = `types/${doc.id.split(".").join("/")}.ts`
  if (!generated.has(rel)) fail(`lex gen-server produced no ${rel}`)
}

function walk2(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk2(path.join(dir, e.name)) : [path.join(dir, e.name)]))
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Effect Schemas.
//
// Naming contract (other code imports these names):
//   NSID app.overlap.<rest>  ->  Name = PascalCase of the <rest> segments joined (connector.start -> ConnectorStart)
//   record main def          ->  <Name>Record
//   query/procedure main     ->  <Name>Params, <Name>Input, <Name>Output (as present), <Name>Errors (tuple of names)
//   other def <def>          ->  <Name><Def> (app.overlap.defs#offerView -> DefsOfferView); a non-method main -> <Name>
// Every schema is annotated with identifier NSID#def (method parts: NSID#params / #input / #output).

const upperFirst = (s) => s.charAt(0).toUpperCase() + s.slice(1)
const nameOf = (nsid) => nsid.slice(NAMESPACE.length).split(".").map(upperFirst).join("")

const splitRef = (ref, docId) => {
  const [nsid, hash] = ref.startsWith("#") ? [docId, ref.slice(1)] : ref.split("#")
  return { nsid: nsid || docId, hash: hash ?? "main" }
}

const docById = new Map(docs.map((d) => [d.id, d]))
const defExportName = (nsid, hash) => {
  const doc = docById.get(nsid)
  const def = doc?.defs[hash]
  if (!def) throw new Error(`unresolved ref ${nsid}#${hash}`)
  if (hash === "main") {
    if (def.type === "record") return `${nameOf(nsid)}Record`
    if (def.type === "query" || def.type === "procedure") throw new Error(`cannot ref a method: ${nsid}`)
    return nameOf(nsid)
  }
  return `${nameOf(nsid)}${upperFirst(hash)}`
}

const lit = (v) => JSON.stringify(v)
const isIdent = (k) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k)
const key = (k) => (isIdent(k) ? k : lit(k))
const usedFormats = new Set()

const FORMAT_SCHEMA = {
  datetime: "FormatDatetime",
  did: "FormatDid",
  handle: "FormatHandle",
  "at-identifier": "FormatAtIdentifier",
  "at-uri": "FormatAtUri",
  nsid: "FormatNsid",
  cid: "FormatCid",
  uri: "FormatUri",
  tid: "FormatTid",
  "record-key": "FormatRecordKey",
  language: "FormatLanguage"
}

const descr = (def) => (def.description ? `.annotations({ description: ${lit(def.description)} })` : "")

// A schema expression for a field-level def. `mode` is "body" (JSON values) or "params" (query-string values).
function fieldSchema(def, docId, mode, deps) {
  switch (def.type) {
    case "string": {
      if (def.const !== undefined) return `Schema.Literal(${lit(def.const)})`
      if (def.enum) return `Schema.Literal(${def.enum.map(lit).join(", ")})`
      let base = "Schema.String"
      if (def.format) {
        const f = FORMAT_SCHEMA[def.format]
        if (!f) throw new Error(`unsupported string format ${def.format}`)
        usedFormats.add(def.format)
        base = f
      }
      const checks = []
      if (def.minLength !== undefined) checks.push(`minBytes(${def.minLength})`)
      if (def.maxLength !== undefined) checks.push(`maxBytes(${def.maxLength})`)
      if (def.minGraphemes !== undefined) checks.push(`minGraphemes(${def.minGraphemes})`)
      if (def.maxGraphemes !== undefined) checks.push(`maxGraphemes(${def.maxGraphemes})`)
      return checks.length ? `${base}.pipe(${checks.join(", ")})` : base
    }
    case "integer": {
      const base = mode === "params" ? "IntegerFromString" : "Schema.Int"
      if (def.const !== undefined) return mode === "params" ? `${base}.pipe(Schema.compose(Schema.Literal(${def.const})))` : `Schema.Literal(${def.const})`
      if (def.enum) {
        const l = `Schema.Literal(${def.enum.join(", ")})`
        return mode === "params" ? `${base}.pipe(Schema.compose(${l}))` : l
      }
      const checks = []
      if (def.minimum !== undefined) checks.push(`Schema.greaterThanOrEqualTo(${def.minimum})`)
      if (def.maximum !== undefined) checks.push(`Schema.lessThanOrEqualTo(${def.maximum})`)
      return checks.length ? `${base}.pipe(${checks.join(", ")})` : base
    }
    case "boolean": {
      const base = mode === "params" ? "Schema.BooleanFromString" : "Schema.Boolean"
      if (def.const !== undefined) return mode === "params" ? `${base}.pipe(Schema.compose(Schema.Literal(${def.const})))` : `Schema.Literal(${def.const})`
      return base
    }
    case "unknown":
      return "Schema.Record({ key: Schema.String, value: Schema.Unknown })"
    case "array": {
      const item = fieldSchema(def.items, docId, mode, deps)
      const checks = []
      if (def.minLength !== undefined) checks.push(`Schema.minItems(${def.minLength})`)
      if (def.maxLength !== undefined) checks.push(`Schema.maxItems(${def.maxLength})`)
      const base = mode === "params" ? `paramArray(${item})` : `Schema.Array(${item})`
      return checks.length ? `${base}.pipe(${checks.join(", ")})` : base
    }
    case "ref": {
      if (mode === "params") throw new Error("refs are not allowed in params")
      const { nsid, hash } = splitRef(def.ref, docId)
      deps.add(`${nsid}#${hash}`)
      return defExportName(nsid, hash)
    }
    case "union": {
      if (mode === "params") throw new Error("unions are not allowed in params")
      const members = def.refs.map((ref) => {
        const { nsid, hash } = splitRef(ref, docId)
        const target = docById.get(nsid)?.defs[hash]
        if (!target || target.type !== "object") throw new Error(`union member ${ref} must be an object def`)
        deps.add(`${nsid}#${hash}`)
        const $type = hash === "main" ? nsid : `${nsid}#${hash}`
        return `Schema.Struct({ $type: Schema.Literal(${lit($type)}), ...${defExportName(nsid, hash)}.fields })`
      })
      if (def.closed) return members.length === 1 ? members[0] : `Schema.Union(${members.join(", ")})`
      // An open union also accepts objects typed with any other $type (atproto forward compatibility).
      const known = def.refs.map((ref) => {
        const { nsid, hash } = splitRef(ref, docId)
        return hash === "main" ? nsid : `${nsid}#${hash}`
      })
      members.push(
        `Schema.Struct({ $type: Schema.String.pipe(Schema.filter((t) => !${lit(known)}.includes(t))) }, Schema.Record({ key: Schema.String, value: Schema.Unknown }))`
      )
      return `Schema.Union(${members.join(", ")})`
    }
    case "token":
      throw new Error("a token is a def, not a field type")
    default:
      throw new Error(`lexicon type ${def.type} is not supported by the Effect Schema generator yet; extend scripts/codegen-lexicons.mjs`)
  }
}

// The property entries of an object or params def, as source lines.
function propertyLines(obj, docId, mode, deps, indent) {
  const required = new Set(obj.required ?? [])
  const nullable = new Set(obj.nullable ?? [])
  return Object.entries(obj.properties ?? {}).map(([name, prop]) => {
    let s = fieldSchema(prop, docId, mode, deps)
    if (nullable.has(name)) s = `Schema.NullOr(${s})`
    if (prop.type !== "ref" && prop.type !== "union") s += descr(prop)
    if (!required.has(name)) {
      s = prop.default !== undefined
        ? `Schema.optionalWith(${s}, { default: () => ${lit(prop.default)}, exact: true })`
        : `Schema.optional(${s})`
    }
    return `${indent}${key(name)}: ${s}`
  })
}

const structSource = (obj, docId, mode, deps, extraLines = []) => {
  const lines = [...extraLines, ...propertyLines(obj, docId, mode, deps, "  ")]
  return lines.length ? `Schema.Struct({\n${lines.join(",\n")}\n})` : "Schema.Struct({})"
}

const annotate = (identifier, description) =>
  `.annotations({ identifier: ${lit(identifier)}${description ? `, description: ${lit(description)}` : ""} })`

const jsdoc = (description) => (description ? `/** ${description.replace(/\*\//g, "*\\/")} */\n` : "")

// Emit every non-method def (objects, records, string/token defs) in dependency order.
const blocks = new Map() // uri -> source
const order = []
const visiting = new Set()
function emitDef(uri) {
  if (blocks.has(uri)) return
  if (visiting.has(uri)) throw new Error(`reference cycle through ${uri}; the generator does not support cycles yet`)
  visiting.add(uri)
  const { nsid, hash } = splitRef(uri, "")
  const def = docById.get(nsid).defs[hash]
  const name = defExportName(nsid, hash)
  const deps = new Set()
  let body
  if (def.type === "record") {
    body = structSource(def.record, nsid, "body", deps, [`  $type: Schema.optional(Schema.Literal(${lit(nsid)}))`])
  } else if (def.type === "object") {
    body = structSource(def, nsid, "body", deps)
  } else if (def.type === "token") {
    body = `Schema.Literal(${lit(`${nsid}#${hash}`)})`
  } else {
    body = fieldSchema(def, nsid, "body", deps)
  }
  for (const dep of [...deps].sort(byCodePoint)) emitDef(dep)
  visiting.delete(uri)
  const source =
    `${jsdoc(def.description)}export const ${name} = ${body}${annotate(uri, def.description)}\n` +
    `export type ${name} = typeof ${name}.Type\n`
  blocks.set(uri, source)
  order.push(uri)
}
for (const doc of docs) {
  for (const [hash, def] of Object.entries(doc.defs)) {
    if (def.type === "query" || def.type === "procedure" || def.type === "subscription") continue
    if (def.type === "permission-set") continue // an OAuth grant (app.overlap.authFull), not data: nothing to decode
    emitDef(`${doc.id}#${hash}`)
  }
}

const methodBlocks = []
const methodEntries = []
const recordEntries = []
for (const doc of docs) {
  const main = doc.defs.main
  if (!main) continue
  const name = nameOf(doc.id)
  if (main.type === "record") recordEntries.push(`  ${lit(doc.id)}: ${name}Record`)
  if (main.type === "subscription") throw new Error(`${doc.id}: subscriptions are not supported by the generator yet`)
  if (main.type !== "query" && main.type !== "procedure") continue
  const parts = [`type: ${lit(main.type)}`, `errors: ${name}Errors`]
  const out = []
  const deps = new Set()
  if (main.parameters && Object.keys(main.parameters.properties ?? {}).length > 0) {
    out.push(
      `/** Query parameters of ${doc.id}, decoded from their string form. */\n` +
        `export const ${name}Params = ${structSource(main.parameters, doc.id, "params", deps)}${annotate(`${doc.id}#params`)}\n` +
        `export type ${name}Params = typeof ${name}Params.Type\n`
    )
    parts.push(`params: ${name}Params`)
  }
  for (const [part, suffix] of [["input", "Input"], ["output", "Output"]]) {
    const body = main[part]
    if (!body) continue
    if (!body.schema) throw new Error(`${doc.id}: ${part} without a schema (raw bodies) is not supported by the generator yet`)
    if (body.encoding !== "application/json") throw new Error(`${doc.id}: ${part} encoding must be application/json`)
    const src = body.schema.type === "object" ? structSource(body.schema, doc.id, "body", deps) : fieldSchema(body.schema, doc.id, "body", deps)
    out.push(
      `${jsdoc(body.description)}export const ${name}${suffix} = ${src}${annotate(`${doc.id}#${part}`, body.description)}\n` +
        `export type ${name}${suffix} = typeof ${name}${suffix}.Type\n`
    )
    parts.push(`${part}: ${name}${suffix}`)
  }
  const errors = (main.errors ?? []).map((e) => lit(e.name))
  out.unshift(`${jsdoc(main.description)}export const ${name}Errors = [${errors.join(", ")}] as const\n`)
  methodBlocks.push(`// ${doc.id} (${main.type})\n${out.join("")}`)
  methodEntries.push(`  ${lit(doc.id)}: { ${parts.join(", ")} }`)
}

const syntaxImports = {
  datetime: "isDatetimeString",
  did: "isValidDid",
  handle: "isValidHandle",
  "at-identifier": "isAtIdentifierString",
  "at-uri": "isAtUriString",
  nsid: "isValidNsid",
  uri: "isValidUri",
  tid: "isValidTid",
  "record-key": "isValidRecordKey",
  language: "isValidLanguage"
}
const formatSource = {
  datetime: `const FormatDatetime = Schema.String.pipe(format((s) => isDatetimeString(s), "must be an RFC 3339 datetime with a time zone", "date-time"))`,
  did: `const FormatDid = Schema.String.pipe(format((s) => isValidDid(s), "must be a valid DID", "did"))`,
  handle: `const FormatHandle = Schema.String.pipe(format((s) => isValidHandle(s), "must be a valid handle", "hostname"))`,
  "at-identifier": `const FormatAtIdentifier = Schema.String.pipe(format((s) => isAtIdentifierString(s), "must be a valid DID or handle", "at-identifier"))`,
  "at-uri": `const FormatAtUri = Schema.String.pipe(format((s) => isAtUriString(s), "must be a valid at-uri", "at-uri"))`,
  nsid: `const FormatNsid = Schema.String.pipe(format((s) => isValidNsid(s), "must be a valid NSID", "nsid"))`,
  cid: `const FormatCid = Schema.String.pipe(format(isCid, "must be a valid CID", "cid"))`,
  uri: `const FormatUri = Schema.String.pipe(format((s) => isValidUri(s), "must be a valid URI", "uri"))`,
  tid: `const FormatTid = Schema.String.pipe(format((s) => isValidTid(s), "must be a valid TID", "tid"))`,
  "record-key": `const FormatRecordKey = Schema.String.pipe(format((s) => isValidRecordKey(s), "must be a valid record key", "record-key"))`,
  language: `const FormatLanguage = Schema.String.pipe(format((s) => isValidLanguage(s), "must be a BCP 47 language tag", "language"))`
}
const formats = [...usedFormats].sort(byCodePoint)
const syntaxNames = formats.map((f) => syntaxImports[f]).filter(Boolean).sort(byCodePoint)

const schemasTs = `// GENERATED by scripts/codegen-lexicons.mjs from lexicons/**/*.json. Do not edit; run \`npm run codegen\`.
// Effect Schemas that enforce what the lexicons say. Lengths are UTF-8 bytes (maxLength) and grapheme clusters
// (maxGraphemes), as in atproto; string formats use @atproto/syntax, the same checks @atproto/lexicon runs
// (datetime is the strict spec form: a time zone is required).
import { Schema } from "effect"
${syntaxNames.length ? `import { ${syntaxNames.join(", ")} } from "@atproto/syntax"\n` : ""}${formats.includes("cid") ? `import { CID } from "multiformats/cid"\n` : ""}
const utf8Length = (s: string): number => {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4
      i++
    } else n += 3 // BMP char, or a lone surrogate (encoded as U+FFFD)
  }
  return n
}

let segmenter: Intl.Segmenter | undefined
const graphemeLength = (s: string): number => {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" })
  let n = 0
  for (const _ of segmenter.segment(s)) n++
  return n
}

// A string has at most as many graphemes as UTF-16 code units and at most 3 UTF-8 bytes per code unit.
const check =
  (test: (s: string) => boolean | string, jsonSchema?: object) =>
  <I, R>(self: Schema.Schema<string, I, R>) =>
    self.pipe(Schema.filter((s: string) => test(s), jsonSchema ? { jsonSchema } : undefined))
const maxBytes = (max: number) =>
  check((s) => s.length * 3 <= max || utf8Length(s) <= max || \`must be at most \${max} bytes (UTF-8)\`, { maxLength: max })
const minBytes = (min: number) =>
  check((s) => s.length >= min || utf8Length(s) >= min || \`must be at least \${min} bytes (UTF-8)\`, { minLength: min })
const maxGraphemes = (max: number) =>
  check((s) => s.length <= max || graphemeLength(s) <= max || \`must be at most \${max} characters (graphemes)\`)
const minGraphemes = (min: number) => check((s) => graphemeLength(s) >= min || \`must be at least \${min} characters (graphemes)\`)
const format = (test: (s: string) => boolean, message: string, name: string) => check((s) => test(s) || message, { format: name })
${formats.includes("cid") ? `
const isCid = (s: string): boolean => {
  try {
    CID.parse(s)
    return true
  } catch {
    return false
  }
}
` : ""}
${formats.map((f) => formatSource[f]).join("\n")}

/** An integer query parameter: decimal digits only ("20" -> 20; "1e1", " 20", "" fail). */
const IntegerFromString = Schema.transform(
  Schema.String.pipe(Schema.filter((s) => /^-?[0-9]{1,15}$/.test(s) || "must be an integer", { jsonSchema: { pattern: "^-?[0-9]{1,15}$" } })),
  Schema.Int,
  { strict: true, decode: (s) => Number(s), encode: (n) => String(n) }
)

/** An array query parameter: one value arrives as a string, repeated values as an array of strings. */
const paramArray = <A, I extends string, R>(item: Schema.Schema<A, I, R>) =>
  Schema.transform(Schema.Union(Schema.String, Schema.Array(Schema.String)), Schema.Array(Schema.String), {
    strict: true,
    decode: (v) => (typeof v === "string" ? [v] : v),
    encode: (v) => v
  }).pipe(Schema.compose(Schema.Array(item)))

${order.map((uri) => blocks.get(uri)).join("\n")}
${methodBlocks.join("\n")}
/** What the XRPC layer needs to know about each method. */
export interface MethodSpec {
  readonly type: "query" | "procedure"
  readonly errors: ReadonlyArray<string>
  readonly params?: Schema.Schema.Any
  readonly input?: Schema.Schema.Any
  readonly output?: Schema.Schema.Any
}

export const Methods = {${methodEntries.length ? `\n${methodEntries.join(",\n")}\n` : ""}} as const satisfies Readonly<Record<string, MethodSpec>>
export type MethodNsid = keyof typeof Methods

/** Record schemas by collection NSID. */
export const Records = {${recordEntries.length ? `\n${recordEntries.join(",\n")}\n` : ""}} as const
export type RecordCollection = keyof typeof Records
`
generated.set("schemas.ts", schemasTs)

// ---------------------------------------------------------------------------------------------------------------
// 4. Sync into the output directory: write what changed, delete what is no longer generated.

// The output directory is wholly generated, so stale .ts files in it are deleted: refuse anything that looks like a project.
if (path.relative(OUT_DIR, ROOT) === "" || !path.relative(OUT_DIR, ROOT).startsWith("..") || fs.existsSync(path.join(OUT_DIR, "package.json"))) {
  fail(`refusing to write into ${OUT_DIR}: not a dedicated output directory`)
}
fs.mkdirSync(OUT_DIR, { recursive: true })
let written = 0
for (const [rel, content] of [...generated.entries()].sort(([a], [b]) => byCodePoint(a, b))) {
  const target = path.join(OUT_DIR, ...rel.split("/"))
  if (fs.existsSync(target) && fs.readFileSync(target, "utf8") === content) continue
  fs.mkdirSync(path.dirname(target), { recursive: true })
  fs.writeFileSync(target, content)
  written++
}
let deleted = 0
const prune = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) {
      prune(full)
      if (fs.readdirSync(full).length === 0) fs.rmdirSync(full)
    } else if (e.name.endsWith(".ts") && !generated.has(path.relative(OUT_DIR, full).split(path.sep).join("/"))) {
      fs.unlinkSync(full)
      deleted++
    }
  }
}
prune(OUT_DIR)
console.log(
  `codegen-lexicons: ${docs.length} lexicons -> ${path.relative(ROOT, OUT_DIR) || "."} (${generated.size} files, ${written} written, ${deleted} removed)`
)
