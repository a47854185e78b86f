import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect, Layer, Option, Schedule, Schema } from "effect"
import { noRelationship, type Relationship } from "../../domain/policy"
import { GraphUnavailable, SocialGraph } from "../../services/SocialGraph"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

export interface SocialGraphOptions {
  /**
   * How long a relationship stays in the `GRAPH_CACHE` KV. Short, because a new block must take
   * effect soon: KV's minimum is 60 s; 120 s means a block (or unfollow) is honoured within about
   * two minutes (plus KV's own propagation delay between locations).
   */
  readonly cacheTtlSeconds: number
  /** Per `getRelationships` call, body included. */
  readonly requestTimeout: Duration.DurationInput
}

export const defaultSocialGraphOptions: SocialGraphOptions = {
  cacheTtlSeconds: 120,
  requestTimeout: "3 seconds"
}

/** KV keys are at most 512 bytes; a pair that would not fit is simply not cached. */
const MAX_KEY_BYTES = 512
/** One entry per ordered pair (host, guest); `v1` so a change of the stored shape never misreads old entries. */
export const relationshipCacheKey = (actor: string, other: string): string => `rel:v1:${actor}:${other}`

const CachedRelationship = Schema.parseJson(Schema.Struct({
  following: Schema.Boolean,
  followedBy: Schema.Boolean,
  blocking: Schema.Boolean,
  blockedBy: Schema.Boolean
}))
const decodeCached = Schema.decodeUnknownOption(CachedRelationship)

// app.bsky.graph.defs#relationship: each present field is the at-uri of the record that makes it true.
const present = Schema.optional(Schema.Union(Schema.String, Schema.Boolean))
const RelationshipView = Schema.Struct({
  did: Schema.String,
  following: present,
  followedBy: present,
  blocking: present,
  blockedBy: present,
  blockingByList: present,
  blockedByList: present
})
const NotFoundActor = Schema.Struct({ actor: Schema.String, notFound: Schema.Literal(true) })
// The lexicon's union is open: members of types we do not know are skipped, not fatal.
const GetRelationshipsOutput = Schema.Struct({ relationships: Schema.Array(Schema.Unknown) })
const XrpcError = Schema.Struct({ error: Schema.String })

const isSet = (value: string | boolean | undefined): boolean => value === true || (typeof value === "string" && value.length > 0)

/**
 * `SocialGraph` over the Bluesky AppView (`BSKY_APPVIEW_URL`): `app.bsky.graph.getRelationships`,
 * an unauthenticated query, cached per ordered pair in the `GRAPH_CACHE` KV. A KV failure is a
 * cache miss, never an error. Needs an `HttpClient` (`FetchHttpClient.layer` in the workers).
 */
export const makeSocialGraphLive = (
  overrides: Partial<SocialGraphOptions> = {}
): Layer.Layer<SocialGraph, never, CloudflareEnv | HttpClient.HttpClient> =>
  Layer.effect(
    SocialGraph,
    Effect.gen(function* () {
      const options = { ...defaultSocialGraphOptions, ...overrides }
      const env = yield* CloudflareEnv
      const client = yield* HttpClient.HttpClient
      const cache = env.GRAPH_CACHE
      const endpoint = `${env.BSKY_APPVIEW_URL.replace(/\/+$/, "")}/xrpc/app.bsky.graph.getRelationships`
      const timeout = Duration.decode(options.requestTimeout)
      const ttl = Math.max(60, Math.ceil(options.cacheTtlSeconds))

      const readCache = (key: string): Effect.Effect<Option.Option<Relationship>> =>
        Effect.tryPromise(() => cache.get(key)).pipe(
          Effect.map((text) => (text === null ? Option.none() : decodeCached(text))),
          Effect.catchAll((cause) => Effect.as(Effect.logWarning("graph cache read failed", String(cause)), Option.none()))
        )

      const writeCache = (key: string, relationship: Relationship): Effect.Effect<void> =>
        Effect.tryPromise(() => cache.put(key, JSON.stringify(relationship), { expirationTtl: ttl })).pipe(
          Effect.catchAll((cause) => Effect.logWarning("graph cache write failed", String(cause)))
        )

      const unavailable = (message: string) => new GraphUnavailable({ message: `getRelationships: ${message}` })

      const fetchRelationship = (actor: string, other: string): Effect.Effect<Relationship, GraphUnavailable> =>
        Effect.gen(function* () {
          const request = HttpClientRequest.get(endpoint).pipe(
            HttpClientRequest.setUrlParams({ actor, others: other }),
            HttpClientRequest.acceptJson
          )
          // a connection that fails before any answer (a reset, a refused connect) is tried once more: it is a GET
          const response = yield* client.execute(request).pipe(Effect.retry({ times: 1, schedule: Schedule.spaced("100 millis"), while: (error) => error._tag === "RequestError" }))
          const body = yield* response.json.pipe(Effect.orElseSucceed(() => undefined as unknown))
          if (response.status !== 200) {
            // The primary actor is unknown to the graph: nobody follows or blocks them there.
            const error = Schema.decodeUnknownOption(XrpcError)(body)
            if (response.status === 400 && Option.isSome(error) && error.value.error === "ActorNotFound") return noRelationship
            return yield* unavailable(`answered ${response.status}`)
          }
          const output = yield* Schema.decodeUnknown(GetRelationshipsOutput)(body).pipe(
            Effect.mapError(() => unavailable("not a getRelationships response"))
          )
          for (const item of output.relationships) {
            const view = Schema.decodeUnknownOption(RelationshipView)(item)
            if (Option.isSome(view) && view.value.did === other) {
              const r = view.value
              return {
                following: isSet(r.following),
                followedBy: isSet(r.followedBy),
                blocking: isSet(r.blocking) || isSet(r.blockingByList),
                blockedBy: isSet(r.blockedBy) || isSet(r.blockedByList)
              }
            }
            const notFound = Schema.decodeUnknownOption(NotFoundActor)(item)
            if (Option.isSome(notFound) && notFound.value.actor === other) return noRelationship
          }
          // Silence about the guest is not "no block": refuse to guess.
          return yield* unavailable("the response does not mention the requested account")
        }).pipe(
          Effect.timeoutFail({ duration: timeout, onTimeout: () => unavailable(`no answer within ${Duration.format(timeout)}`) }),
          Effect.catchTags({
            RequestError: (cause) => Effect.fail(unavailable(cause.message)),
            ResponseError: (cause) => Effect.fail(unavailable(cause.message))
          })
        )

      return SocialGraph.of({
        relationship: (actor, other) => {
          const key = relationshipCacheKey(actor, other)
          const cacheable = new TextEncoder().encode(key).length <= MAX_KEY_BYTES
          if (!cacheable) return fetchRelationship(actor, other)
          return Effect.flatMap(readCache(key), Option.match({
            onSome: Effect.succeed,
            onNone: () => Effect.tap(fetchRelationship(actor, other), (relationship) => writeCache(key, relationship))
          }))
        }
      })
    })
  )

export const SocialGraphLive = makeSocialGraphLive()
