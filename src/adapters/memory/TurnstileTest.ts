import { Effect, Layer, Ref } from "effect"
import { Turnstile, TurnstileRejected, TurnstileUnavailable } from "../../services/Turnstile"

export interface TurnstileTestOptions {
  /** Tokens that pass (once each, like the real thing). Default: any token starting with `pass`. */
  readonly accepts?: (token: string) => boolean
  /** The verdict's hostname and action (checked against the caller's expectation like Live does). */
  readonly hostname?: string
  readonly action?: string
}

/**
 * In-memory `Turnstile`: accepted tokens verify once (a second use is `timeout-or-duplicate`), the
 * token `unavailable` fails as siteverify being down, anything else is rejected. Fresh per build.
 */
export const makeTurnstileTest = (options: TurnstileTestOptions = {}): Layer.Layer<Turnstile> =>
  Layer.effect(
    Turnstile,
    Effect.gen(function* () {
      const accepts = options.accepts ?? ((token: string) => token.startsWith("pass"))
      const used = yield* Ref.make(new Set<string>())
      const reject = (message: string, code: string) => new TurnstileRejected({ message, errorCodes: [code] })
      return Turnstile.of({
        verify: (token, expect = {}) =>
          Effect.gen(function* () {
            if (token === "unavailable") return yield* new TurnstileUnavailable({ message: "turnstile: unavailable (test)" })
            if (!accepts(token)) return yield* reject("challenge not accepted (invalid-input-response)", "invalid-input-response")
            const fresh = yield* Ref.modify(used, (set) => (set.has(token) ? [false, set] : [true, new Set(set).add(token)]))
            if (!fresh) return yield* reject("challenge not accepted (timeout-or-duplicate)", "timeout-or-duplicate")
            if (expect.action !== undefined && options.action !== expect.action) return yield* reject("challenge solved for another action", "action-mismatch")
            if (expect.hostname !== undefined && options.hostname !== expect.hostname) return yield* reject("challenge solved on another hostname", "hostname-mismatch")
            return { hostname: options.hostname, action: options.action, challengeTs: undefined }
          })
      })
    })
  )

export const TurnstileTest = makeTurnstileTest()
