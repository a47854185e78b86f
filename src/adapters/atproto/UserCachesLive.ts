import { Effect, Layer } from "effect"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { UserCaches } from "../../services/UserCaches"
import { relationshipCacheKey } from "./SocialGraphLive"

/**
 * `UserCaches` over `GRAPH_CACHE`: every relationship entry whose first DID is the person (`rel:v1:<did>:…`), found by
 * prefix listing. An entry where the person is the second DID cannot be found by prefix; it holds two booleans and
 * expires within the cache TTL (120 s, docs/threat-model.md).
 */
export const UserCachesLive: Layer.Layer<UserCaches, never, CloudflareEnv> = Layer.effect(
  UserCaches,
  Effect.map(CloudflareEnv, ({ GRAPH_CACHE }) =>
    UserCaches.of({
      forget: (did) =>
        Effect.tryPromise(async () => {
          const prefix = relationshipCacheKey(did, "")
          let removed = 0
          let cursor: string | undefined
          do {
            const page: KVNamespaceListResult<unknown, string> = await GRAPH_CACHE.list({ prefix, ...(cursor === undefined ? {} : { cursor }) })
            for (const key of page.keys) await GRAPH_CACHE.delete(key.name)
            removed += page.keys.length
            cursor = page.list_complete ? undefined : page.cursor
          } while (cursor !== undefined)
          return removed
        }).pipe(Effect.catchAll((cause) => Effect.as(Effect.logWarning("graph cache: forgetting a person's entries failed", String(cause)), 0)))
    }))
)
