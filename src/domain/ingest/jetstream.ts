import { Either, Schema } from "effect"
import { type IngestEvent, isIndexedCollection, isOverlapCollection } from "./events"
import { FrameInvalid } from "./firehoseFrame"

/**
 * Jetstream (bluesky-social/jetstream) JSON messages, subscribed with `wantedCollections=app.overlap.*`:
 *   { did, time_us, kind: "commit", commit: { rev, operation: create|update|delete, collection, rkey, record?, cid? } }
 *   { did, time_us, kind: "identity", identity: { did, handle?, seq, time } }
 *   { did, time_us, kind: "account", account: { did, active, status?, seq, time } }
 * `time_us` is the cursor. Jetstream has already verified the repo and dropped the blocks: there is no signature
 * to check here, which is why the firehose is the default source and Jetstream an option.
 */

const JetstreamCommit = Schema.Struct({
  rev: Schema.String,
  operation: Schema.Literal("create", "update", "delete"),
  collection: Schema.String,
  rkey: Schema.String,
  record: Schema.optional(Schema.Unknown),
  cid: Schema.optional(Schema.String)
})

const JetstreamMessage = Schema.Struct({
  did: Schema.String.pipe(Schema.startsWith("did:")),
  time_us: Schema.Int,
  kind: Schema.String,
  commit: Schema.optional(JetstreamCommit),
  identity: Schema.optional(Schema.Struct({ did: Schema.String, handle: Schema.optional(Schema.String), time: Schema.optional(Schema.String) })),
  account: Schema.optional(
    Schema.Struct({ did: Schema.String, active: Schema.Boolean, status: Schema.optional(Schema.String), time: Schema.optional(Schema.String) })
  )
})

export interface JetstreamDecoded {
  /** time_us: where to resume. */
  readonly cursor: number
  /** Null when the message is outside Overlap's collections or of a kind nothing here uses. */
  readonly event: IngestEvent | null
}

const decodeMessage = Schema.decodeUnknownEither(Schema.parseJson(JetstreamMessage))

const timeOf = (iso: string | undefined, fallbackUs: number): number => {
  const parsed = iso === undefined ? Number.NaN : Date.parse(iso)
  return Number.isFinite(parsed) ? parsed : Math.floor(fallbackUs / 1000)
}

export const decodeJetstreamMessage = (text: string): Either.Either<JetstreamDecoded, FrameInvalid> =>
  Either.mapLeft(decodeMessage(text), (error) => new FrameInvalid({ message: `Jetstream message: ${error.message}` })).pipe(
    Either.flatMap((m): Either.Either<JetstreamDecoded, FrameInvalid> => {
      const cursor = m.time_us
      switch (m.kind) {
        case "commit": {
          const c = m.commit
          if (c === undefined) return Either.left(new FrameInvalid({ message: "Jetstream commit without commit" }))
          if (!isOverlapCollection(c.collection) || !isIndexedCollection(c.collection)) return Either.right({ cursor, event: null })
          const ref = { did: m.did, collection: c.collection, rkey: c.rkey, rev: c.rev }
          if (c.operation === "delete") return Either.right({ cursor, event: { _tag: "delete", ...ref } })
          if (c.cid === undefined || c.record === undefined) {
            return Either.left(new FrameInvalid({ message: `Jetstream ${c.operation} without record or cid` }))
          }
          return Either.right({ cursor, event: { _tag: c.operation, ...ref, cid: c.cid, record: c.record } })
        }
        case "identity":
          return Either.right({ cursor, event: { _tag: "identity", did: m.did, handle: m.identity?.handle ?? null } })
        case "account": {
          const a = m.account
          if (a === undefined) return Either.left(new FrameInvalid({ message: "Jetstream account without account" }))
          return Either.right({
            cursor,
            event: { _tag: "account", did: m.did, active: a.active, status: a.status ?? null, time: timeOf(a.time, cursor) }
          })
        }
        default:
          return Either.right({ cursor, event: null })
      }
    })
  )

/** The subscribe URL: Overlap's collections only, resuming at `cursor` (time_us) when there is one. */
export const jetstreamUrl = (base: string, cursor: number | null): string => {
  const url = new URL(base)
  url.searchParams.set("wantedCollections", "app.overlap.*")
  if (cursor !== null) url.searchParams.set("cursor", String(cursor))
  else url.searchParams.delete("cursor")
  return url.toString()
}
