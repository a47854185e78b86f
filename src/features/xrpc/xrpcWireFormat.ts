import { HttpApp, HttpBody, HttpServerResponse } from "@effect/platform"
import { Cause, Effect } from "effect"
import type { XrpcErrorBody } from "./XrpcErrors"

interface DecodeIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

/**
 * A decode failure becomes InvalidRequest whose message starts with the offending field's path and says
 * what was expected — never the rejected value itself. HttpApi reports a response that fails to encode
 * with the same error as a bad request, and that value may be private (a busy interval), so no data
 * from the value is ever echoed.
 */
const describeDecodeError = (issues: ReadonlyArray<DecodeIssue>): string => {
  const first = issues[0]
  if (!first) return "request body: malformed"
  const field = first.path.length > 0 ? first.path.map(String).join(".") : "request body"
  return `${field}: ${withoutActualValue(first.message)}`
}

/** Effect's issue messages end with ", actual <value>" (or put it on later lines): keep the expectation only. */
export const withoutActualValue = (message: string): string =>
  (message.split("\n")[0] ?? "").replace(/,?\s*actual\b[\s\S]*$/, "").trim() || "invalid value"

/** Rewrites an encoded error body (`{ _tag, message, … }`) into the XRPC shape `{ error, message }`. */
export const toXrpcErrorBody = (status: number, body: unknown): XrpcErrorBody => {
  const value = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>
  const tag = typeof value._tag === "string" ? value._tag : undefined
  const message = typeof value.message === "string" ? value.message : ""
  if (tag === "HttpApiDecodeError") {
    return { error: "InvalidRequest", message: describeDecodeError((value.issues as Array<DecodeIssue>) ?? []) }
  }
  if (tag !== undefined) return { error: tag, message }
  // Already an XRPC error body (e.g. a stored response replayed by idempotent): keep it as it is.
  if (typeof value.error === "string") return { error: value.error, message }
  if (status === 404) return { error: "MethodNotImplemented", message: "no such XRPC method" }
  if (status === 401) return { error: "AuthRequired", message: message || "authentication required" }
  if (status >= 500) return { error: "InternalServerError", message: "internal error" }
  return { error: "InvalidRequest", message: message || `request refused (${status})` }
}

const decoder = new TextDecoder()

/**
 * HttpApi middleware: every error response leaves the worker as an XRPC error body. It registers a
 * pre-response handler (the one place a response can still be changed before it is sent); success
 * responses pass through untouched and only error bodies are re-read. Failures the API could not
 * turn into a declared error (defects) are logged, never sent.
 */
export const xrpcWireFormat = <E, R>(app: HttpApp.HttpApp<HttpServerResponse.HttpServerResponse, E, R>) =>
  HttpApp.appendPreResponseHandler((_request, response) => Effect.succeed(rewriteErrorBody(response))).pipe(
    Effect.zipRight(app),
    Effect.tapErrorCause((cause) => Effect.logError("xrpc request failed", Cause.pretty(cause)))
  )

const rewriteErrorBody = (response: HttpServerResponse.HttpServerResponse): HttpServerResponse.HttpServerResponse => {
  if (response.status < 400) return response
  let parsed: unknown = undefined
  if (response.body._tag === "Uint8Array" && response.body.contentType.includes("json")) {
    try {
      parsed = JSON.parse(decoder.decode(response.body.body))
    } catch {
      parsed = undefined
    }
  }
  // A 500 never carries internals (causes, stacks) to the caller.
  const body = response.status === 500
    ? { error: "InternalServerError", message: "internal error" }
    : toXrpcErrorBody(response.status, parsed)
  return HttpServerResponse.setBody(response, HttpBody.unsafeJson(body))
}
