import { HttpApi } from "@effect/platform"
import { SchemaAST } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { OverlapApi } from "../../src/features/OverlapApi"
import { errorSentences, sentenceFor } from "../../web/app/lib/errorSentences"

/** Every `_tag` literal an error schema can carry (unions, transformations, suspends, refinements walked). */
const tagsOf = (ast: SchemaAST.AST, into: Set<string> = new Set(), seen: Set<SchemaAST.AST> = new Set()): Set<string> => {
  if (seen.has(ast)) return into
  seen.add(ast)
  switch (ast._tag) {
    case "Union":
      for (const member of ast.types) tagsOf(member, into, seen)
      break
    case "Transformation":
      tagsOf(ast.from, into, seen)
      tagsOf(ast.to, into, seen)
      break
    case "Refinement":
      tagsOf(ast.from, into, seen)
      break
    case "Suspend":
      tagsOf(ast.f(), into, seen)
      break
    case "Declaration":
      for (const parameter of ast.typeParameters) tagsOf(parameter, into, seen)
      break
    case "TypeLiteral":
      for (const property of ast.propertySignatures) {
        if (property.name === "_tag" && SchemaAST.isLiteral(property.type) && typeof property.type.literal === "string") into.add(property.type.literal)
      }
      break
  }
  return into
}

/** Every error name the API definition can answer (endpoint errors, middleware failures, API-wide errors). */
const apiErrorNames = (): Set<string> => {
  const names = new Set<string>()
  HttpApi.reflect(OverlapApi, {
    onGroup: () => {},
    onEndpoint: ({ errors }) => {
      for (const { ast } of errors.values()) if (ast._tag === "Some") tagsOf(ast.value, names)
    }
  })
  return names
}

/** Every error name the lexicons declare for their methods. */
const lexiconErrorNames = (): Set<string> => {
  const names = new Set<string>()
  const dir = path.resolve(import.meta.dirname, "../../lexicons")
  for (const file of readdirSync(dir, { recursive: true }) as string[]) {
    if (!file.endsWith(".json")) continue
    const doc = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as { defs?: Record<string, { errors?: Array<{ name: string }> }> }
    for (const def of Object.values(doc.defs ?? {})) for (const error of def.errors ?? []) names.add(error.name)
  }
  return names
}

describe("web: a human sentence for every API error", () => {
  it("covers every error the API definition can answer", () => {
    const names = apiErrorNames()
    // the walk finds the errors (a broken walk would pass trivially)
    expect(names.size).toBeGreaterThan(20)
    for (const expected of ["TierNotMet", "NoSlotAvailable", "RateLimited", "CalendarUnavailable", "TurnstileRequired", "AuthMissing"]) expect(names).toContain(expected)
    const missing = [...names].filter((name) => errorSentences[name] === undefined)
    expect(missing, "add a sentence for each to web/app/lib/errorSentences.ts").toEqual([])
  })

  it("covers every error the lexicons declare", () => {
    const missing = [...lexiconErrorNames()].filter((name) => errorSentences[name] === undefined)
    expect(missing, "add a sentence for each to web/app/lib/errorSentences.ts").toEqual([])
  })

  it("says how long to wait when rate limited, and names the host", () => {
    expect(sentenceFor("RateLimited", { retryAfterSec: 12 })).toContain("12 seconds")
    expect(sentenceFor("RateLimited", { retryAfterSec: 600 })).toContain("10 minutes")
    expect(sentenceFor("TierNotMet", { host: "alice.test" })).toContain("@alice.test")
  })

  it("never shows raw JSON or an error code for an unknown error", () => {
    const sentence = sentenceFor("SomethingNew")
    expect(sentence).not.toMatch(/[{}]|SomethingNew/)
    expect(sentence.length).toBeGreaterThan(10)
  })
})
