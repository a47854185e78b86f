import { Effect, Exit, Layer, Option, Schema } from "effect"
import { isPublicHostName } from "../../domain/publicHost"
import { handleOf } from "../../domain/notify/personName"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { makeFinishedValueCache } from "../../platform/FinishedValueCache"
import { readBoundedText } from "../../platform/boundedBody"
import { IdentityResolver, pdsEndpointOf } from "../../services/IdentityResolver"
import { type PersonName, PeopleNames } from "../../services/PeopleNames"

/** A found name is kept an hour per isolate; a failed lookup a minute (the message then shows the DID). */
const FOUND_TTL = "1 hour"
const FAILED_TTL = "1 minute"
const TIMEOUT_MS = 3_000
const MAX_PROFILE_BYTES = 64 * 1024

const ProfileRecord = Schema.Struct({
  value: Schema.Struct({ displayName: Schema.optional(Schema.String) })
})

/**
 * Names from the people's own atproto identity: the handle in their DID document (IdentityResolver, cached
 * there) — outside development only when the handle resolves back to the same DID (atproto's bidirectional
 * check; in development a `.test` handle of the local PDS, which no DNS can resolve, is taken as it is) — and
 * the `displayName` of their `app.bsky.actor.profile/self` record, read from their PDS with
 * `com.atproto.repo.getRecord` (outside development only from an https PDS on a public host name). Finished
 * answers are cached per isolate (never a lookup in flight: platform/FinishedValueCache.ts).
 */
export const PeopleNamesLive: Layer.Layer<PeopleNames, never, IdentityResolver | CloudflareEnv> = Layer.effect(
  PeopleNames,
  Effect.gen(function*() {
    const identity = yield* IdentityResolver
    const env = yield* CloudflareEnv
    const development = env.ENVIRONMENT === "development"

    const verifiedHandle = (did: string, handle: string | undefined) =>
      handle === undefined
        ? Effect.succeed(undefined)
        : development && handle.endsWith(".test")
        ? Effect.succeed(handle)
        : identity.resolveHandle(handle).pipe(
          Effect.map((resolved) => (resolved === did ? handle : undefined)),
          Effect.orElseSucceed(() => undefined)
        )

    const displayNameAt = (pds: string, did: string) =>
      Effect.gen(function*() {
        const base = new URL(pds)
        if (!development && (base.protocol !== "https:" || base.port !== "" || !isPublicHostName(base.hostname))) return undefined
        const url = new URL("/xrpc/com.atproto.repo.getRecord", base)
        url.searchParams.set("repo", did)
        url.searchParams.set("collection", "app.bsky.actor.profile")
        url.searchParams.set("rkey", "self")
        const response = yield* Effect.tryPromise(() =>
          fetch(url.toString(), { headers: { accept: "application/json" }, signal: AbortSignal.timeout(TIMEOUT_MS) })
        )
        const read = yield* readBoundedText(response.body, { maxBytes: MAX_PROFILE_BYTES, timeoutMs: TIMEOUT_MS })
        // no profile record (RecordNotFound) is an answer: no display name
        if (!response.ok || read._tag !== "Complete") return undefined
        const record = Schema.decodeUnknownOption(Schema.parseJson(ProfileRecord))(read.text)
        return Option.getOrUndefined(Option.flatMapNullable(record, (r) => r.value.displayName))
      }).pipe(Effect.orElseSucceed(() => undefined))

    const lookup = (did: string): Effect.Effect<PersonName, "unresolved"> =>
      Effect.gen(function*() {
        const doc = yield* identity.resolveDid(did).pipe(Effect.mapError(() => "unresolved" as const))
        const handle = yield* verifiedHandle(did, handleOf(doc.alsoKnownAs))
        const pds = pdsEndpointOf(doc)
        const displayName = pds._tag === "Right" ? yield* displayNameAt(pds.right, did) : undefined
        return {
          ...(displayName !== undefined && displayName.trim() !== "" ? { displayName: displayName.trim() } : {}),
          ...(handle !== undefined ? { handle } : {})
        }
      })

    const cache = yield* makeFinishedValueCache({
      lookup,
      timeToLive: (exit) => (Exit.isSuccess(exit) ? FOUND_TTL : FAILED_TTL),
      capacity: 2_000
    })

    return PeopleNames.of({
      nameOf: (did) => cache.get(did).pipe(Effect.orElseSucceed((): PersonName => ({})))
    })
  })
)
