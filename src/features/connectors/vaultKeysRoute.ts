import { Effect } from "effect"
import { refuseNonOperator } from "../../platform/operatorAuth"
import { keysInUse, rotateVaultKeys, usesOfKey, type VaultKeyStores } from "./vaultKeys"

/** The operator's vault-key endpoint (behind OPERATOR_SECRET, src/platform/operatorAuth.ts). */
export const VAULT_KEYS_PATH = "/operator/vault-keys"

type Needs = VaultKeyStores

/**
 * `GET /operator/vault-keys`: what each vault key seals (keysInUse), which keys may be removed, which are missing.
 * `GET /operator/vault-keys?remove=<keyId>`: the removal check — 200 `{ keyId, removable: true }`, or 409
 * `{ error: "VaultKeyInUse", message, uses }` listing what the key still seals.
 * `POST /operator/vault-keys`: runs one pass of the rotation job now and answers its report and the uses after it.
 */
export const handleVaultKeys = async (
  request: Request,
  env: { readonly ENVIRONMENT: string; readonly OPERATOR_SECRET?: string | undefined },
  run: <A, E>(effect: Effect.Effect<A, E, Needs>) => Promise<A>
): Promise<Response> => {
  const refused = await refuseNonOperator(request, env)
  if (refused !== undefined) return refused
  const failed = (error: { readonly _tag: string }) =>
    Response.json({ error: "VaultKeysUnavailable", message: `the vault key check could not run: ${error._tag}` }, { status: 503 })
  if (request.method === "POST") {
    return run(Effect.all({ rotation: rotateVaultKeys(), keys: keysInUse }).pipe(
      Effect.match({ onFailure: failed, onSuccess: (body) => Response.json(body) })
    ))
  }
  if (request.method !== "GET") return Response.json({ error: "MethodNotAllowed", message: "GET or POST only" }, { status: 405 })
  const remove = new URL(request.url).searchParams.get("remove")
  return run(keysInUse.pipe(Effect.match({
    onFailure: failed,
    onSuccess: (report) => {
      if (remove === null) return Response.json(report)
      const uses = usesOfKey(report, remove)
      return uses.length === 0
        ? Response.json({ keyId: remove, removable: true })
        : Response.json({
          error: "VaultKeyInUse",
          message: `remove: key ${JSON.stringify(remove)} still seals ${uses.join(", ")}; run the rotation (POST ${VAULT_KEYS_PATH}) until nothing uses it`,
          keyId: remove,
          uses
        }, { status: 409 })
    }
  })))
}
