import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, HttpServer } from "@effect/platform"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { idempotent, IdempotencyErrors } from "../../src/features/xrpc/Idempotency"
import { RateLimit, RateLimitLive } from "../../src/features/xrpc/RateLimit"
import { CurrentRequester, Requester } from "../../src/features/xrpc/Requester"
import { XrpcAuth, XrpcAuthLive } from "../../src/features/xrpc/XrpcAuth"
import { InternalServerError } from "../../src/features/xrpc/XrpcErrors"
import { XrpcOptionalAuth, XrpcOptionalAuthLive } from "../../src/features/xrpc/XrpcOptionalAuth"
import { xrpcWireFormat } from "../../src/features/xrpc/xrpcWireFormat"
import type { MethodClass, RateLimits } from "../../src/domain/rateLimits"
import { makeRateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { makeTurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import type { RateLimiter } from "../../src/services/RateLimiter"
import { ServiceAuth } from "../../src/services/ServiceAuth"
import type { Repositories } from "../../src/services/Repositories"
import { serviceAuthFor, type TestAccount } from "../api/xrpcTestKit"
import { makeTestLayer } from "../../src/platform/testing"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { WebSessions } from "../../src/services/WebSessions"

// A test-only XRPC API exercising the guards the way a feature group uses them: a service-auth
// group with RateLimit, and an anonymous-capable group with XrpcOptionalAuth; the procedures wrap
// themselves in `idempotent`.

/** A refusal the handler makes before doing anything: the key is freed. */
export class InvalidSlot extends Schema.TaggedError<InvalidSlot>()("InvalidSlot", { message: Schema.String }, HttpApiSchema.annotations({ status: 400 })) {}
/** A refusal after the request executed (declared `executed`): stored and replayed. */
export class SlotTaken extends Schema.TaggedError<SlotTaken>()("SlotTaken", { message: Schema.String }, HttpApiSchema.annotations({ status: 409 })) {}

const BookInput = Schema.Struct({
  slot: Schema.String,
  outcome: Schema.optional(Schema.Literal("ok", "invalid", "taken", "slow", "defect"))
})
const BookOutput = Schema.Struct({ bookingId: Schema.String, run: Schema.Number, by: Schema.String })

class GuardedApi extends HttpApiGroup.make("guarded")
  .add(HttpApiEndpoint.get("getAvailability", "/xrpc/app.overlap.getAvailability").addSuccess(Schema.Struct({ ok: Schema.Boolean })))
  .add(
    HttpApiEndpoint.post("book", "/xrpc/test.overlap.book")
      .setPayload(BookInput)
      .addSuccess(BookOutput, { status: 201 })
      .addError(IdempotencyErrors)
      .addError(InvalidSlot)
      .addError(SlotTaken)
  )
  .middleware(RateLimit)
  .middleware(XrpcAuth) {}

class OpenApi extends HttpApiGroup.make("open")
  .add(HttpApiEndpoint.get("whoami", "/xrpc/test.overlap.whoami").addSuccess(Schema.Struct({ kind: Schema.String, id: Schema.String })))
  .add(HttpApiEndpoint.post("anonBook", "/xrpc/test.overlap.anonBook").setPayload(BookInput).addSuccess(BookOutput).addError(IdempotencyErrors))
  .middleware(RateLimit)
  .middleware(XrpcOptionalAuth) {}

class TestApi extends HttpApi.make("guards-test").add(GuardedApi).add(OpenApi).addError(InternalServerError) {}

export interface GuardsHarness {
  readonly handle: (request: Request) => Promise<Response>
  /** How many times the book handlers ran (a replay does not run them). */
  readonly runs: () => number
  /** Lets `slow` requests finish. */
  readonly release: () => void
  readonly dispose: () => Promise<void>
}

export const makeGuards = async (options: {
  readonly accounts: ReadonlyArray<TestAccount>
  readonly repositories: Layer.Layer<Repositories>
  readonly limits?: Partial<Record<MethodClass, RateLimits[MethodClass]>>
  /** Another limiter (e.g. RateLimiterLive over the Durable Object); default the in-memory one with `limits`. */
  readonly rateLimiter?: Layer.Layer<RateLimiter>
  /** Wraps the real service-auth check (e.g. to count how often a token is actually verified). */
  readonly wrapAuth?: (auth: ServiceAuth["Type"]) => ServiceAuth["Type"]
}): Promise<GuardsHarness> => {
  let runs = 0
  let release: () => void = () => {}
  let gate = new Promise<void>((resolve) => (release = resolve))

  const book = (input: typeof BookInput.Type, by: string) =>
    Effect.gen(function* () {
      runs++
      const run = runs
      switch (input.outcome) {
        case "invalid":
          return yield* new InvalidSlot({ message: `slot: ${input.slot} is not on the grid` })
        case "taken":
          return yield* new SlotTaken({ message: `slot ${input.slot} was taken` })
        case "slow":
          yield* Effect.promise(() => gate)
          break
        case "defect":
          return yield* Effect.die(new Error("boom"))
      }
      return { bookingId: `bk-${run}`, run, by }
    })

  const guarded = HttpApiBuilder.group(TestApi, "guarded", (handlers) =>
    handlers
      .handle("getAvailability", () => Effect.succeed({ ok: true }))
      .handle("book", ({ payload }) =>
        idempotent(book(payload, "did"), { executed: (error) => error._tag === "SlotTaken" })))
  const open = HttpApiBuilder.group(TestApi, "open", (handlers) =>
    handlers
      .handle("whoami", () =>
        Effect.map(CurrentRequester, Requester.$match({
          Authenticated: ({ did }) => ({ kind: "did", id: did }),
          Anonymous: ({ ipPrefix }) => ({ kind: "anonymous", id: ipPrefix })
        })))
      .handle("anonBook", ({ payload }) =>
        idempotent(book(payload, "anon")).pipe(Effect.catchTags({ InvalidSlot: Effect.die, SlotTaken: Effect.die }))))

  const ledger = options.repositories
  const auth = serviceAuthFor(options.accounts)(ledger)
  const wrapAuth = options.wrapAuth
  const services = Layer.mergeAll(
    options.repositories,
    wrapAuth ? Layer.effect(ServiceAuth, Effect.map(ServiceAuth, wrapAuth)).pipe(Layer.provide(auth)) : auth,
    options.rateLimiter ?? makeRateLimiterTest(options.limits),
    makeTurnstileTest(),
    // browser sessions: these tests send no session cookie, so neither is ever called
    makeTestLayer(WebSessions)({}),
    makeTestLayer(CloudflareEnv)({})
  )
  const runtime = ManagedRuntime.make(services)
  const context = (await runtime.runtime()).context
  const api = HttpApiBuilder.api(TestApi).pipe(
    Layer.provide([guarded, open]),
    Layer.provide([RateLimitLive, XrpcAuthLive, XrpcOptionalAuthLive]),
    Layer.provide(Layer.succeedContext(context))
  )
  const web = HttpApiBuilder.toWebHandler(Layer.mergeAll(api, HttpServer.layerContext), { middleware: xrpcWireFormat })
  return {
    handle: (request) => web.handler(request),
    runs: () => runs,
    release: () => {
      release()
      gate = new Promise<void>((resolve) => (release = resolve))
    },
    dispose: async () => {
      await web.dispose()
      await runtime.dispose()
    }
  }
}

export const BASE = "http://appview.test/xrpc/"

export const post = (nsid: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`${BASE}${nsid}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

export const get = (nsid: string, headers: Record<string, string> = {}) => new Request(`${BASE}${nsid}`, { headers })

export const read = async (response: Response) => ({
  status: response.status,
  headers: Object.fromEntries(response.headers),
  body: (await response.json()) as Record<string, any>
})
