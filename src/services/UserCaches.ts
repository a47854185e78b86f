import type { Effect } from "effect"
import { Context } from "effect"

/**
 * Caches whose keys name a person (the social-graph cache in `GRAPH_CACHE`, `rel:v1:<actor>:<other>`): what account
 * deletion can find by the person's DID and remove. Entries are finished values with a short TTL; a KV failure is
 * logged and counted as nothing removed (the entries expire on their own).
 */
export class UserCaches extends Context.Tag("overlap/UserCaches")<UserCaches, {
  /** Removes the entries keyed by `did`; answers how many. */
  readonly forget: (did: string) => Effect.Effect<number>
}>() {}
