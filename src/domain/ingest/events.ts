import { Schema } from "effect"

/**
 * What ingest hands the indexer: one event per record operation or account change, whatever the
 * source (firehose, Jetstream, Tap). A discriminated union on `_tag`.
 */

/** Only records of these collections pass ingest (filtered by the op path before any block is decoded). */
export const OVERLAP_NSID_PREFIX = "app.overlap."

export const isOverlapCollection = (collection: string): boolean => collection.startsWith(OVERLAP_NSID_PREFIX)

/** The collections the index keeps (offers_index, booking_requests, event_types_index); other app.overlap.* records are dropped after the proof. */
export const IndexedCollection = Schema.Literal("app.overlap.slotOffer", "app.overlap.bookingRequest", "app.overlap.eventType")
export type IndexedCollection = typeof IndexedCollection.Type

export const isIndexedCollection = Schema.is(IndexedCollection)

const recordRef = {
  did: Schema.String.pipe(Schema.startsWith("did:")),
  collection: IndexedCollection,
  rkey: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512)),
  /** Repo revision (a TID) of the commit: orders the writes of one repo. */
  rev: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64))
}

const recordWrite = {
  ...recordRef,
  cid: Schema.String.pipe(Schema.minLength(1)),
  /** The record as JSON (lexicon JSON form); validated again by the indexer. */
  record: Schema.Unknown
}

export const RecordCreated = Schema.TaggedStruct("create", recordWrite)
export const RecordUpdated = Schema.TaggedStruct("update", recordWrite)
export const RecordDeleted = Schema.TaggedStruct("delete", recordRef)

/** The DID document (handle, keys, PDS) may have changed: drop cached copies. */
export const IdentityChanged = Schema.TaggedStruct("identity", {
  did: Schema.String.pipe(Schema.startsWith("did:")),
  handle: Schema.NullOr(Schema.String)
})

/** Hosting status changed: deactivated / takendown / suspended / deleted, or active again. */
export const AccountChanged = Schema.TaggedStruct("account", {
  did: Schema.String.pipe(Schema.startsWith("did:")),
  active: Schema.Boolean,
  /** As the source says it: "deactivated", "takendown", "suspended", "deleted", "desynchronized", "throttled", … */
  status: Schema.NullOr(Schema.String),
  /** When the source saw it (epoch ms): an older account event never overrides a newer one. */
  time: Schema.Int
})

export const IngestEvent = Schema.Union(RecordCreated, RecordUpdated, RecordDeleted, IdentityChanged, AccountChanged)
export type IngestEvent = typeof IngestEvent.Type
export type RecordWrite = typeof RecordCreated.Type | typeof RecordUpdated.Type
export type RecordEvent = RecordWrite | typeof RecordDeleted.Type

/** One `index-tasks` message (sent with contentType "json"). */
export const IndexTask = Schema.Struct({
  /** The ingest source id, e.g. "local-pds", "jetstream", "tap". */
  source: Schema.String,
  event: IngestEvent,
  /** When ingest saw it (epoch ms): lag metrics. */
  seenAt: Schema.Int
})
export type IndexTask = typeof IndexTask.Type

export const recordUri = (e: { readonly did: string; readonly collection: string; readonly rkey: string }): string =>
  `at://${e.did}/${e.collection}/${e.rkey}`

/** Splits a repo op path `collection/rkey`. */
export const splitRecordPath = (path: string): { readonly collection: string; readonly rkey: string } | undefined => {
  const slash = path.indexOf("/")
  if (slash <= 0 || slash === path.length - 1 || path.indexOf("/", slash + 1) !== -1) return undefined
  return { collection: path.slice(0, slash), rkey: path.slice(slash + 1) }
}

/** Account status as the `users` table keeps it, from a source's account event. */
export const userStatusOf = (e: typeof AccountChanged.Type): "active" | "deactivated" | "deleted" | "takendown" => {
  if (e.active) return "active"
  switch (e.status) {
    case "deleted":
    case "takendown":
      // a takedown is final for Overlap as a deletion is (issue 17 item 4): the account goes the same way
      return "deleted"
    case "suspended":
      // the host's temporary hold on the account: hidden, reversible (kept in `users` as 'takendown')
      return "takendown"
    default:
      // deactivated, desynchronized, throttled, or a status this code does not know: hide, never purge
      return "deactivated"
  }
}
