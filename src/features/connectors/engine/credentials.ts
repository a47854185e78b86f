import { Effect } from "effect"
import type { Connector } from "../../../services/ConnectorsRepo"
import { keyRetiredReason, type TokenVault } from "../../../services/TokenVault"
import { brokenError, internal } from "./connectorErrors"

/** A connector's stored credential (refresh token, or CalDAV secret), opened with TokenVault in memory only. */
export const makeCredentials = (did: string, vault: TokenVault["Type"]) => {
  const bindingOf = (row: Pick<Connector, "id" | "provider">) => ({ did, provider: row.provider, connectorId: row.id })

  const decrypt = (row: Connector) =>
    Effect.gen(function*() {
      if (row.tokenCiphertext === null) return yield* brokenError(row, "no stored credential")
      return yield* vault.decrypt(row.tokenCiphertext, bindingOf(row)).pipe(
        Effect.catchTags({
          // The envelope does not open for this connector: unusable until the user connects again.
          VaultDecryptFailed: () => Effect.fail(brokenError(row, "the stored credential does not open")),
          // The key that sealed it was removed from the ring: a clear broken state, not an endless retry.
          VaultKeyMissing: (cause) =>
            Effect.fail(cause.keyId === undefined ? internal(cause) : brokenError(row, keyRetiredReason(cause.keyId, "this connector's credential"))),
          VaultConfigInvalid: (cause) => Effect.fail(internal(cause))
        })
      )
    })

  return { bindingOf, decrypt }
}

export type Credentials = ReturnType<typeof makeCredentials>
