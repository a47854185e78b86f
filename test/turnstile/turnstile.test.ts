import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, beforeEach } from "vitest"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { makeTurnstileLive } from "../../src/adapters/http/TurnstileLive"
import { Turnstile, type TurnstileExpectation } from "../../src/services/Turnstile"

// A local stand-in for https://challenges.cloudflare.com/turnstile/v0/siteverify: it checks the
// form body the way Cloudflare documents it and answers with the documented JSON.
const SECRET = "0x4AAAAAAAtest-secret"
interface Seen { readonly method: string; readonly contentType: string | undefined; readonly form: Record<string, string> }
let seen: Array<Seen> = []
let server: http.Server
let siteverifyUrl: string
const spent = new Set<string>()

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = ""
    req.on("data", (chunk) => (raw += chunk))
    req.on("end", () => {
      const form = Object.fromEntries(new URLSearchParams(raw))
      seen.push({ method: req.method ?? "", contentType: req.headers["content-type"], form })
      const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
      const fail = (...codes: Array<string>) => send(200, { success: false, "error-codes": codes, messages: [] })
      if (form.secret !== SECRET) return fail("invalid-input-secret")
      const token = form.response ?? ""
      if (token === "") return fail("missing-input-response")
      if (token === "down") return send(503, { error: "unavailable" })
      if (token === "internal") return fail("internal-error")
      if (token === "hang") return
      if (!token.startsWith("good")) return fail("invalid-input-response")
      if (spent.has(token)) return fail("timeout-or-duplicate")
      spent.add(token)
      send(200, {
        success: true,
        challenge_ts: "2026-11-24T10:00:00.000Z",
        hostname: "overlap.example",
        "error-codes": [],
        action: token.includes("match") ? "match" : "",
        cdata: ""
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  siteverifyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/turnstile/v0/siteverify`
})
afterAll(() => {
  server.closeAllConnections()
  return new Promise<void>((resolve) => server.close(() => resolve()))
})
beforeEach(() => {
  seen = []
})

const live = (secret: string | undefined = SECRET) =>
  makeTurnstileLive({ siteverifyUrl, requestTimeout: "300 millis" }).pipe(
    Layer.provide(CloudflareEnv.layer({ TURNSTILE_SECRET: secret } as unknown as Env)),
    Layer.provide(FetchHttpClient.layer)
  )

const verify = (token: string, expect?: TurnstileExpectation) => Effect.either(Effect.flatMap(Turnstile, (t) => t.verify(token, expect)))
const tagOf = <A, E extends { _tag: string }>(result: Either.Either<A, E>) => (Either.isLeft(result) ? result.left._tag : "ok")

describe("TurnstileLive against a siteverify stand-in", () => {
  it.effect("posts secret, response and remoteip as a form and returns the verdict", () =>
    Effect.gen(function* () {
      const result = yield* verify("good-1", { remoteIp: "203.0.113.5" })
      expect(result).toEqual(Either.right({ hostname: "overlap.example", action: "", challengeTs: "2026-11-24T10:00:00.000Z" }))
      expect(seen).toEqual([
        { method: "POST", contentType: "application/x-www-form-urlencoded", form: { secret: SECRET, response: "good-1", remoteip: "203.0.113.5" } }
      ])
    }).pipe(Effect.provide(live())))

  it.effect("a token verifies once; bad and reused tokens are TurnstileRejected with Cloudflare's codes", () =>
    Effect.gen(function* () {
      expect(tagOf(yield* verify("good-2"))).toBe("ok")
      const reused = yield* verify("good-2")
      expect(Either.isLeft(reused) && reused.left).toMatchObject({ _tag: "TurnstileRejected", errorCodes: ["timeout-or-duplicate"] })
      const bad = yield* verify("forged")
      expect(Either.isLeft(bad) && bad.left).toMatchObject({ _tag: "TurnstileRejected", errorCodes: ["invalid-input-response"] })
      expect(seen.map((s) => s.form.remoteip)).toEqual([undefined, undefined, undefined])
    }).pipe(Effect.provide(live())))

  it.effect("checks the expected action and hostname", () =>
    Effect.gen(function* () {
      expect(tagOf(yield* verify("good-match-1", { action: "match", hostname: "overlap.example" }))).toBe("ok")
      const wrongAction = yield* verify("good-3", { action: "match" })
      expect(Either.isLeft(wrongAction) && wrongAction.left).toMatchObject({ _tag: "TurnstileRejected", errorCodes: ["action-mismatch"] })
      const wrongHost = yield* verify("good-4", { hostname: "evil.example" })
      expect(Either.isLeft(wrongHost) && wrongHost.left).toMatchObject({ _tag: "TurnstileRejected", errorCodes: ["hostname-mismatch"] })
    }).pipe(Effect.provide(live())))

  it.effect("refuses empty and oversized tokens without a round trip", () =>
    Effect.gen(function* () {
      expect(tagOf(yield* verify(""))).toBe("TurnstileRejected")
      expect(tagOf(yield* verify("good".padEnd(2049, "x")))).toBe("TurnstileRejected")
      expect(seen).toEqual([])
    }).pipe(Effect.provide(live())))

  it.live("5xx, internal-error, timeouts, a wrong secret and no secret are TurnstileUnavailable", () =>
    Effect.gen(function* () {
      expect(tagOf(yield* verify("down"))).toBe("TurnstileUnavailable")
      expect(tagOf(yield* verify("internal"))).toBe("TurnstileUnavailable")
      expect(tagOf(yield* verify("hang"))).toBe("TurnstileUnavailable")
      expect(tagOf(yield* verify("good-5").pipe(Effect.provide(live("wrong-secret"))))).toBe("TurnstileUnavailable")
      const count = seen.length
      expect(tagOf(yield* verify("good-6").pipe(Effect.provide(live(""))))).toBe("TurnstileUnavailable")
      expect(seen.length).toBe(count)
    }).pipe(Effect.provide(live())))
})
