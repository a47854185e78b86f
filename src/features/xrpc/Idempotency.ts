import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Clock, Effect, Either, Exit, Option, Ref, Schema } from "effect"
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_TTL_MS,
  IDEMPOTENT_REPLAYED_HEADER,
  parseIdempotencyKey,
  requestHash
} from "../../domain/idempotency"
import {
  BeginOutcome,
  IdempotencyKeyReused,
  IdempotencyKeysRepo,
  IdempotencyUnavailable,
  RequestInProgress
} from "../../services/IdempotencyKeysRepo"
import { currentSubject } from "./Requester"
import { InvalidRequest } from "./XrpcErrors"
import { nsidOf } from "./xrpcGate"

export type IdempotencyError = InvalidRequest | RequestInProgress | IdempotencyKeyReused | IdempotencyUnavailable

/** Every error `idempotent` adds to a procedure: `.addError(IdempotencyErrors)` on the endpoint. */
export const IdempotencyErrors = Schema.Union(InvalidRequest, RequestInProgress, IdempotencyKeyReused, IdempotencyUnavailable)

export interface IdempotentOptions<E> {
  /**
   * Which failures of the handler are final answers of a request that executed (stored and
   * replayed like a success). Default: none — a handler that fails is taken to have refused before
   * doing anything (its own validation, a policy refusal, a provider outage), so the key is freed
   * and a retry runs again. A handler must therefore not fail after it committed: it answers.
   */
  readonly executed?: (error: E) => boolean
}

const decoder = new TextDecoder()

/** The text of a response body we can store, or none for a stream/raw body. */
const bodyText = (response: HttpServerResponse.HttpServerResponse): Option.Option<string> => {
  switch (response.body._tag) {
    case "Empty":
      return Option.some("")
    case "Uint8Array":
      return Option.some(decoder.decode(response.body.body))
    default:
      return Option.none()
  }
}

/**
 * Makes a procedure handler idempotent (wrap the handler's whole effect):
 *
 * ```ts
 * .handle("match", ({ payload }) => idempotent(matchHandler(payload)))
 * ```
 *
 * The `Idempotency-Key` header is required (400 `InvalidRequest` naming it). Keys are scoped to
 * (caller, method): the caller is the service-auth DID or an anonymous caller's IP prefix
 * (`currentSubject`). The request is fingerprinted by the SHA-256 of its canonical JSON body, then
 * `IdempotencyKeysRepo.begin` decides:
 * - Started: run the handler; when its response is sent, store status + body for 24 h
 *   (`complete`). A failure that `options.executed` does not claim, a 5xx, or an interruption
 *   frees the key (`abandon`) instead.
 * - Replay: answer the stored status + body (JSON) with `Idempotent-Replayed: true`; the handler
 *   does not run.
 * - InFlight: 409 `RequestInProgress`. Mismatch (same key, different body): 422 `IdempotencyKeyReused`.
 *
 * A wrapper rather than an HttpApi middleware: a middleware in this HttpApi can only fail or provide
 * a service before the handler — it cannot answer a replay with a stored response in place of the
 * handler — while a handler may return a ready `HttpServerResponse`. The response actually sent
 * (after encoding and the XRPC wire format) is captured with a pre-response handler. Requests
 * refused before the handler runs (decode 400, auth 401, rate limit 429) never reach `begin`.
 */
export const idempotent = <A, E, R>(
  handler: Effect.Effect<A, E, R>,
  options: IdempotentOptions<E> = {}
): Effect.Effect<
  A | HttpServerResponse.HttpServerResponse,
  E | IdempotencyError,
  R | IdempotencyKeysRepo | HttpServerRequest.HttpServerRequest
> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const key = yield* Either.match(parseIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER]), {
      onLeft: (message) => Effect.fail(new InvalidRequest({ message })),
      onRight: Effect.succeed
    })
    const path = new URL(request.url, "http://xrpc").pathname
    const method = nsidOf(path) ?? path
    const subject = yield* currentSubject
    const body = yield* request.text.pipe(Effect.mapError(() => new InvalidRequest({ message: "request body: could not be read" })))
    const hash = yield* Effect.promise(() => requestHash(body))
    const repo = yield* IdempotencyKeysRepo
    const unavailable = () => new IdempotencyUnavailable({ message: "idempotency ledger unavailable; nothing was executed, retry" })
    const now = yield* Clock.currentTimeMillis
    const outcome = yield* repo.begin(subject, method, key, hash, now, IDEMPOTENCY_TTL_MS).pipe(Effect.mapError(unavailable))

    const abandon = repo.abandon(subject, method, key).pipe(
      Effect.catchAll((error) => Effect.logWarning("idempotency: abandon failed; the key stays in flight until it expires", error))
    )

    return yield* BeginOutcome.$match(outcome, {
      Replay: ({ body: stored, status }) =>
        Effect.succeed(
          HttpServerResponse.text(stored, {
            status,
            contentType: "application/json",
            headers: { [IDEMPOTENT_REPLAYED_HEADER]: "true" }
          })
        ),
      InFlight: () => Effect.fail(new RequestInProgress({ message: `${method}: a request with this Idempotency-Key is still in progress` })),
      Mismatch: () =>
        Effect.fail(new IdempotencyKeyReused({ message: `${method}: this Idempotency-Key was used for a request with a different body` })),
      Started: () =>
        Effect.gen(function* () {
          const store = yield* Ref.make(false)
          // Runs on the response as sent. Stores it if the handler's outcome is to be kept, else leaves it.
          yield* HttpApp.appendPreResponseHandler((_request, response) =>
            Effect.gen(function* () {
              if (!(yield* Ref.get(store))) return response
              const text = bodyText(response)
              if (response.status >= 500 || Option.isNone(text)) {
                yield* abandon
                return response
              }
              yield* repo.complete(subject, method, key, hash, response.status, text.value).pipe(
                Effect.catchAll((error) => Effect.zipRight(Effect.logWarning("idempotency: storing the response failed", error), abandon))
              )
              return response
            })
          )
          return yield* handler.pipe(
            Effect.onExit((exit) =>
              Exit.match(exit, {
                onSuccess: () => Ref.set(store, true),
                onFailure: (cause) => {
                  const failure = Cause.failureOption(cause)
                  const keep = Option.isSome(failure) && options.executed !== undefined && options.executed(failure.value)
                  return keep ? Ref.set(store, true) : abandon
                }
              })
            )
          )
        })
    })
  })
