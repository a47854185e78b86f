import type { HttpApp } from "@effect/platform"
import { HttpServerResponse } from "@effect/platform"
import { Cause, Effect } from "effect"
import { VAULT_NOT_CONFIGURED_MESSAGE, vaultNotConfiguredIn } from "../../services/TokenVault"
import type { XrpcErrorBody } from "./XrpcErrors"

/** True when a failure or defect of the cause is the TokenVault's missing or malformed key ring (`vaultNotConfiguredIn`). */
export const isVaultNotConfigured = (cause: Cause.Cause<unknown>): boolean =>
  [...Cause.failures(cause), ...Cause.defects(cause)].some((error) => vaultNotConfiguredIn(error) !== undefined)

/**
 * Wraps the XRPC app: a method that reached the TokenVault while `TOKEN_VAULT_KEYS` is absent outside development
 * (or malformed) answers 503 `ServiceNotConfigured` — the operator's problem, not the caller's — instead of the 500
 * a defect would be. Methods keep mapping vault failures the way they do (most `orDie` a RepositoryError around
 * it); this is the one place that tells the caller. Anything else fails on as it did.
 */
export const answerVaultNotConfigured = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.catchAllCause(app, (cause) =>
    isVaultNotConfigured(cause)
      ? Effect.as(
        Effect.logError("xrpc: the token vault is not configured", Cause.pretty(cause)),
        HttpServerResponse.unsafeJson({ error: "ServiceNotConfigured", message: VAULT_NOT_CONFIGURED_MESSAGE } satisfies XrpcErrorBody, {
          status: 503,
          headers: { "retry-after": "300" }
        })
      )
      : Effect.failCause(cause))
