import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect, Layer, Option, Schema } from "effect"
import {
  MAX_TURNSTILE_TOKEN_LENGTH,
  Turnstile,
  type TurnstileExpectation,
  TurnstileRejected,
  TurnstileUnavailable,
  type TurnstileVerdict
} from "../../services/Turnstile"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

export interface TurnstileOptions {
  /** The siteverify endpoint; tests point it at a local stand-in. */
  readonly siteverifyUrl: string
  /** Per siteverify call. */
  readonly requestTimeout: Duration.DurationInput
}

export const defaultTurnstileOptions: TurnstileOptions = {
  siteverifyUrl: "https://challenges.cloudflare.com/turnstile/v0/siteverify",
  requestTimeout: "5 seconds"
}

// https://developers.cloudflare.com/turnstile/get-started/server-side-validation/#response
const SiteverifyResponse = Schema.Struct({
  success: Schema.Boolean,
  "error-codes": Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  challenge_ts: Schema.optional(Schema.String),
  hostname: Schema.optional(Schema.String),
  action: Schema.optional(Schema.String)
})

/** Error codes that mean our side is broken or Cloudflare's is, not that the token is bad. */
const serverSideCodes = new Set(["missing-input-secret", "invalid-input-secret", "internal-error"])

/**
 * `Turnstile` over siteverify: a POST with a form body (`secret`, `response`, `remoteip`) and the
 * `TURNSTILE_SECRET` secret. Without the secret every verification is `TurnstileUnavailable` (there
 * is no anonymous flow to open). Needs an `HttpClient` (`FetchHttpClient.layer` in the workers).
 */
export const makeTurnstileLive = (
  overrides: Partial<TurnstileOptions> = {}
): Layer.Layer<Turnstile, never, CloudflareEnv | HttpClient.HttpClient> =>
  Layer.effect(
    Turnstile,
    Effect.gen(function* () {
      const env = yield* CloudflareEnv
      // TURNSTILE_SITEVERIFY_URL: development only, scripts/localTurnstile.mjs (Cloudflare's test secrets, locally)
      const fromEnv = env.ENVIRONMENT === "development" && env.TURNSTILE_SITEVERIFY_URL ? { siteverifyUrl: env.TURNSTILE_SITEVERIFY_URL } : {}
      const options = { ...defaultTurnstileOptions, ...fromEnv, ...overrides }
      const client = yield* HttpClient.HttpClient
      const timeout = Duration.decode(options.requestTimeout)
      const secret = Option.fromNullable(env.TURNSTILE_SECRET).pipe(Option.filter((s) => s.length > 0))

      const rejected = (message: string, errorCodes: ReadonlyArray<string> = []) =>
        new TurnstileRejected({ message, errorCodes: [...errorCodes] })
      const unavailable = (message: string) => new TurnstileUnavailable({ message: `turnstile: ${message}` })

      const verify = (token: string, expect: TurnstileExpectation = {}): Effect.Effect<TurnstileVerdict, TurnstileRejected | TurnstileUnavailable> =>
        Effect.gen(function* () {
          if (Option.isNone(secret)) return yield* unavailable("not configured")
          if (token.length === 0 || token.length > MAX_TURNSTILE_TOKEN_LENGTH) {
            return yield* rejected("not a Turnstile token", ["invalid-input-response"])
          }
          const form: Record<string, string> = { secret: secret.value, response: token }
          if (expect.remoteIp) form.remoteip = expect.remoteIp
          const response = yield* client.execute(
            HttpClientRequest.post(options.siteverifyUrl).pipe(HttpClientRequest.bodyUrlParams(form), HttpClientRequest.acceptJson)
          )
          if (response.status >= 500 || response.status === 429) return yield* unavailable(`siteverify answered ${response.status}`)
          const body = yield* response.json.pipe(
            Effect.flatMap(Schema.decodeUnknown(SiteverifyResponse)),
            Effect.mapError(() => unavailable(`siteverify answered ${response.status} without a verdict`))
          )
          if (!body.success) {
            const codes = body["error-codes"]
            if (codes.some((code) => serverSideCodes.has(code))) return yield* unavailable(`siteverify: ${codes.join(", ")}`)
            return yield* rejected(`challenge not accepted (${codes.join(", ") || "no reason given"})`, codes)
          }
          if (expect.action !== undefined && body.action !== expect.action) {
            return yield* rejected("challenge solved for another action", ["action-mismatch"])
          }
          if (expect.hostname !== undefined && body.hostname !== expect.hostname) {
            return yield* rejected("challenge solved on another hostname", ["hostname-mismatch"])
          }
          return { hostname: body.hostname, action: body.action, challengeTs: body.challenge_ts }
        }).pipe(
          Effect.timeoutFail({ duration: timeout, onTimeout: () => unavailable(`siteverify did not answer within ${Duration.format(timeout)}`) }),
          Effect.catchTags({
            RequestError: (cause) => Effect.fail(unavailable(cause.message)),
            ResponseError: (cause) => Effect.fail(unavailable(cause.message))
          })
        )

      return Turnstile.of({ verify })
    })
  )

export const TurnstileLive = makeTurnstileLive()
