import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Schema } from "effect"
import { LINK_TTL_MS, LinkClaim, linkBinding, linkUrl, parseLink } from "../../domain/notify/actionLink"
import { ActionLinks, LinkExpired, LinkInvalid, LinkUsed, type OpenedLink } from "../../services/ActionLinks"
import { orRepositoryError, RepositoryError } from "../../services/RepositoryError"
import { TokenVault } from "../../services/TokenVault"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

const ClaimJson = Schema.parseJson(LinkClaim)

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")

const sha256Hex = (text: string) =>
  Effect.promise(async () =>
    [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join(""))

/**
 * ActionLinks: tokens sealed by the TokenVault (so rotating the vault's keys rotates the links' too), links on
 * `PUBLIC_URL`, and the uses recorded in `notify_link_uses`.
 */
export const ActionLinksLive: Layer.Layer<ActionLinks, never, SqlClient.SqlClient | TokenVault | CloudflareEnv> = Layer.effect(
  ActionLinks,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const vault = yield* TokenVault
    const env = yield* CloudflareEnv
    const origin = env.PUBLIC_URL || "http://localhost:8787"

    const check = (url: URL): Effect.Effect<OpenedLink, LinkInvalid | LinkExpired | RepositoryError> =>
      Effect.gen(function*() {
        const parts = parseLink(url)
        if (parts === undefined) return yield* new LinkInvalid()
        const json = yield* vault.decrypt(parts.token, linkBinding(parts.did, parts.action)).pipe(
          Effect.catchTag("VaultDecryptFailed", () => Effect.fail(new LinkInvalid())),
          Effect.catchIf((e): e is Exclude<typeof e, LinkInvalid> => !(e instanceof LinkInvalid), (cause) =>
            Effect.fail(new RepositoryError({ operation: "ActionLinks.open", cause })))
        )
        const claim = yield* Schema.decode(ClaimJson)(json).pipe(Effect.mapError(() => new LinkInvalid()))
        const now = yield* Clock.currentTimeMillis
        if (now >= claim.e) return yield* new LinkExpired()
        return { action: parts.action, did: parts.did, claim } satisfies OpenedLink
      })

    return ActionLinks.of({
      mint: (did, action, claim) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const nonce = base64url(crypto.getRandomValues(new Uint8Array(18)))
          const full: LinkClaim = { ...claim, e: now + LINK_TTL_MS[action], n: nonce }
          const json = yield* Schema.encode(ClaimJson)(full).pipe(orRepositoryError("ActionLinks.mint"))
          const sealed = yield* vault.encrypt(json, linkBinding(did, action)).pipe(orRepositoryError("ActionLinks.mint"))
          return linkUrl(origin, action, did, sealed.ciphertext)
        }),

      check,

      use: (url) =>
        Effect.gen(function*() {
          const opened = yield* check(url)
          const now = yield* Clock.currentTimeMillis
          const hash = yield* sha256Hex(opened.claim.n)
          const inserted = yield* sql`
            INSERT INTO notify_link_uses (nonce_hash, used_at, expires_at) VALUES (${hash}, ${now}, ${opened.claim.e})
            ON CONFLICT (nonce_hash) DO NOTHING RETURNING nonce_hash`.pipe(orRepositoryError("ActionLinks.use"))
          if (inserted.length === 0) return yield* new LinkUsed()
          return opened
        })
    })
  })
)
