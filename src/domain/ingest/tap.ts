import { Either, Schema } from "effect"
import { type IngestEvent, isIndexedCollection, isOverlapCollection } from "./events"
import { FrameInvalid } from "./firehoseFrame"

/**
 * Tap (bluesky-social/indigo `cmd/tap`) in webhook mode POSTs one JSON event per request, with HTTP Basic
 * auth `admin:<TAP_ADMIN_PASSWORD>`, and counts it delivered on any 2xx (it retries otherwise, with backoff,
 * holding back that repo's later events). Shapes, from indigo `cmd/tap/types.go` and `@atproto/tap`'s schema:
 *   { id, type: "record",   record:   { live, did, rev, collection, rkey, action: create|update|delete, record?, cid? } }
 *   { id, type: "identity", identity: { did, handle, is_active, status: active|takendown|suspended|deactivated|deleted } }
 * Tap has verified signatures and MST proofs itself, and keeps its own cursor; `id` is its outbox sequence.
 */

const TapRecord = Schema.Struct({
  live: Schema.optional(Schema.Boolean),
  did: Schema.String.pipe(Schema.startsWith("did:")),
  rev: Schema.String,
  collection: Schema.String,
  rkey: Schema.String,
  action: Schema.Literal("create", "update", "delete"),
  record: Schema.optional(Schema.Unknown),
  cid: Schema.optional(Schema.String)
})

const TapIdentity = Schema.Struct({
  did: Schema.String.pipe(Schema.startsWith("did:")),
  handle: Schema.optional(Schema.String),
  is_active: Schema.Boolean,
  status: Schema.String
})

const TapEvent = Schema.Union(
  Schema.Struct({ id: Schema.Int, type: Schema.Literal("record"), record: TapRecord }),
  Schema.Struct({ id: Schema.Int, type: Schema.Literal("identity"), identity: TapIdentity })
)

export interface TapDecoded {
  readonly id: number
  /** Empty when the event is outside Overlap's collections. */
  readonly events: ReadonlyArray<IngestEvent>
}

const decodeEvent = Schema.decodeUnknownEither(TapEvent)

/** `now` stamps identity/account events, which carry no time of their own in Tap. */
export const decodeTapEvent = (json: unknown, now: number): Either.Either<TapDecoded, FrameInvalid> =>
  Either.mapLeft(decodeEvent(json), (error) => new FrameInvalid({ message: `Tap event: ${error.message}` })).pipe(
    Either.flatMap((e): Either.Either<TapDecoded, FrameInvalid> => {
      if (e.type === "identity") {
        const i = e.identity
        return Either.right({
          id: e.id,
          events: [
            { _tag: "identity", did: i.did, handle: i.handle ?? null },
            { _tag: "account", did: i.did, active: i.is_active, status: i.status, time: now }
          ]
        })
      }
      const r = e.record
      if (!isOverlapCollection(r.collection) || !isIndexedCollection(r.collection)) return Either.right({ id: e.id, events: [] })
      const ref = { did: r.did, collection: r.collection, rkey: r.rkey, rev: r.rev }
      if (r.action === "delete") return Either.right({ id: e.id, events: [{ _tag: "delete", ...ref }] })
      if (r.record === undefined || r.cid === undefined) {
        return Either.left(new FrameInvalid({ message: `Tap ${r.action} without record or cid` }))
      }
      return Either.right({ id: e.id, events: [{ _tag: r.action, ...ref, cid: r.cid, record: r.record }] })
    })
  )

/** Checks `Authorization: Basic base64(admin:<secret>)` the way Tap sends it. */
export const tapCredentialsOf = (authorization: string | null): { readonly user: string; readonly password: string } | null => {
  if (authorization === null || !authorization.startsWith("Basic ")) return null
  let decoded: string
  try {
    decoded = atob(authorization.slice("Basic ".length).trim())
  } catch {
    return null
  }
  const colon = decoded.indexOf(":")
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}
