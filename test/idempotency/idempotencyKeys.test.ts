import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { canonicalBody, canonicalJson, parseIdempotencyKey, requestHash } from "../../src/domain/idempotency"

describe("Idempotency-Key parsing", () => {
  it("accepts a UUID, bare or as an sf-string", () => {
    const uuid = "8e03978e-40d5-43e8-bc93-6894a57f9324"
    expect(parseIdempotencyKey(uuid)).toEqual(Either.right(uuid))
    expect(parseIdempotencyKey(`"${uuid}"`)).toEqual(Either.right(uuid))
  })

  it("refuses missing, short, long or odd keys, naming the header", () => {
    for (const bad of [undefined, "", "   ", "short", "x".repeat(256), "has space in the key!!", "\"unterminated-but-long-enough"]) {
      const result = parseIdempotencyKey(bad)
      expect(Either.isLeft(result), String(bad)).toBe(true)
      expect(Either.getLeft(result).pipe((o) => (o._tag === "Some" ? o.value : ""))).toMatch(/^Idempotency-Key: /)
    }
  })
})

describe("request fingerprint", () => {
  it("canonical JSON sorts keys at every depth and drops whitespace", () => {
    expect(canonicalJson({ b: 1, a: [{ d: "x", c: null }, 2.5], "é": true })).toBe(`{"a":[{"c":null,"d":"x"},2.5],"b":1,"é":true}`)
    expect(canonicalBody(`{ "b": 1,\n "a": 2 }`)).toBe(`{"a":2,"b":1}`)
    expect(canonicalBody("not json")).toBe("not json")
  })

  it("the same request in another spelling hashes the same; another request does not", async () => {
    const a = await requestHash(`{"hostDid":"did:plc:h","constraints":{"durationMin":30,"tz":"UTC"}}`)
    const b = await requestHash(`{ "constraints": { "tz": "UTC", "durationMin": 30 }, "hostDid": "did:plc:h" }`)
    const c = await requestHash(`{"hostDid":"did:plc:h","constraints":{"durationMin":45,"tz":"UTC"}}`)
    expect(a).toMatch(/^[0-9a-f]{64}$/)
    expect(a).toBe(b)
    expect(a).not.toBe(c)
    // SHA-256 of the empty string
    expect(await requestHash("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  })
})
