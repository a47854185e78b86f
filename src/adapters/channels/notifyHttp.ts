import { Clock, Effect } from "effect"
import { classifyStatus, parseRetryAfter } from "../../domain/notify/retry"
import { SendFailed } from "../../services/NotifyChannels"
import { readBoundedText } from "../../platform/boundedBody"

/** How long one outbound notify request may take before it counts as a (retryable) timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
/** Of an error body only its XRPC error name is used: this much is read, at most. */
export const MAX_ERROR_BODY_BYTES = 16 * 1024
/** A success body we parse (a DM session, a conversation): at most this much. */
export const MAX_RESPONSE_BODY_BYTES = 1024 * 1024

const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

/** `fetch` with a timeout; a network error or a timeout is a retryable SendFailed. The request is aborted on timeout. */
export const fetchWithTimeout = (
  what: string,
  url: string,
  init: RequestInit,
  timeoutMs: number
): Effect.Effect<Response, SendFailed> =>
  Effect.tryPromise({
    try: (signal) => fetch(url, { ...init, signal }),
    catch: (cause) => new SendFailed({ reason: `${what}: ${describe(cause)}`, retryable: true })
  }).pipe(
    Effect.timeoutFail({
      duration: timeoutMs,
      onTimeout: () => new SendFailed({ reason: `${what}: timed out after ${timeoutMs} ms`, retryable: true })
    })
  )

/**
 * A non-2xx answer as a SendFailed: retryable for 408/425/429/5xx (with Retry-After), permanent otherwise.
 * The reason names the status and, for an XRPC error body, its error name; never more of the body. The body
 * is the receiver's to choose (a webhook target is any URL a user registered): it is read for at most
 * `timeoutMs` and MAX_ERROR_BODY_BYTES, and one that is longer or slower just names no error.
 */
export const failureOf = (what: string, response: Response, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Effect.Effect<SendFailed> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const body = yield* readBoundedText(response.body, { maxBytes: MAX_ERROR_BODY_BYTES, timeoutMs })
    const text = body._tag === "Complete" ? body.text : ""
    let name = ""
    try {
      const body = JSON.parse(text) as { error?: unknown }
      if (typeof body.error === "string") name = ` ${body.error.slice(0, 100)}`
    } catch {
      // not an XRPC error body
    }
    const retryAfter = parseRetryAfter(response.headers.get("retry-after"), now)
    return new SendFailed({
      reason: `${what}: HTTP ${response.status}${name}`,
      retryable: classifyStatus(response.status) === "retryable",
      ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {})
    })
  })
