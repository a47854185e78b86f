import { HttpApiSchema } from "@effect/platform"
import { Context, type Effect, Schema } from "effect"
import { ApiError } from "./ApiError"

/**
 * Cloudflare Turnstile, server side: a token the widget gave the browser is checked with Cloudflare's
 * `siteverify` endpoint (https://developers.cloudflare.com/turnstile/get-started/server-side-validation/).
 * A token is valid for 300 s and only once.
 */

/** What siteverify said about an accepted token. */
export interface TurnstileVerdict {
  /** The site hostname the challenge was solved on. */
  readonly hostname: string | undefined
  /** The widget's `action`, if it set one. */
  readonly action: string | undefined
  /** When the challenge was solved (ISO 8601). */
  readonly challengeTs: string | undefined
}

/** What the caller expects of a token beyond being valid. */
export interface TurnstileExpectation {
  /** The client's IP, passed to siteverify as `remoteip`. */
  readonly remoteIp?: string
  /** The widget `action` this flow uses; a token solved for another action is refused. */
  readonly action?: string
  /** The hostname the widget runs on; a token solved elsewhere is refused. */
  readonly hostname?: string
}

/**
 * The token is not good: malformed, expired, already used (`timeout-or-duplicate`), or solved for
 * another action or hostname. The caller must solve a new challenge.
 */
export class TurnstileRejected extends Schema.TaggedError<TurnstileRejected>()(
  "TurnstileRejected",
  { message: Schema.String, errorCodes: Schema.Array(Schema.String) },
  HttpApiSchema.annotations({ status: 403 })
) {}

/**
 * The token could not be checked: siteverify timed out, answered 5xx or `internal-error`, or this
 * worker has no usable `TURNSTILE_SECRET`. Not the caller's fault: a 503.
 */
export class TurnstileUnavailable extends ApiError<TurnstileUnavailable>()("TurnstileUnavailable", 503) {}

/** An anonymous call without a Turnstile token (401). */
export class TurnstileRequired extends ApiError<TurnstileRequired>()("TurnstileRequired", 401) {}

export type TurnstileError = TurnstileRejected | TurnstileUnavailable

export class Turnstile extends Context.Tag("overlap/Turnstile")<Turnstile, {
  /** Checks a widget token once with siteverify (a token never verifies twice). */
  readonly verify: (token: string, expect?: TurnstileExpectation) => Effect.Effect<TurnstileVerdict, TurnstileError>
}>() {}

/** siteverify rejects longer tokens; checking first spares a round trip. */
export const MAX_TURNSTILE_TOKEN_LENGTH = 2048
