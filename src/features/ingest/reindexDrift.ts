import { HttpClient, HttpClientResponse } from "@effect/platform"
import { Clock, Effect, Either, Option, Schema } from "effect"
import { type IndexedCollection, recordUri } from "../../domain/ingest/events"
import { validateRecord } from "../../domain/recordValidation"
import { BookingRequestsRepo } from "../../services/BookingRequestsRepo"
import { IdentityResolver } from "../../services/IdentityResolver"
import { IngestActivityRepo } from "../../services/IngestActivityRepo"
import { IngestMetrics } from "../../services/IngestMetrics"
import { EventTypesRepo } from "../../services/EventTypesRepo"
import { OffersRepo } from "../../services/OffersRepo"
import { applyIndexTask } from "./indexTasks"

/** How much the index differed from the PDSes checked. */
export interface DriftReport {
  readonly dids: number
  /** records in the PDS the index did not have */
  readonly missing: number
  /** records indexed at another CID than the PDS has */
  readonly stale: number
  /** indexed records the PDS no longer has */
  readonly extra: number
  /** records in the PDS that fail validation (never indexed; not drift) */
  readonly invalid: number
  /** DIDs that could not be checked (PDS unreachable, identity unresolvable, D1 failure) */
  readonly failed: number
}

export interface DriftOptions {
  /** DIDs with an applied event in this window are checked. */
  readonly windowMs: number
  /** DIDs per run, least recently checked first. */
  readonly maxDids: number
}

export const defaultDriftOptions: DriftOptions = { windowMs: 2 * 60 * 60_000, maxDids: 200 }

const COLLECTIONS: ReadonlyArray<IndexedCollection> = ["app.overlap.slotOffer", "app.overlap.bookingRequest", "app.overlap.eventType"]
const PAGE = 100
const MAX_PAGES = 50

const LatestCommit = Schema.Struct({ cid: Schema.String, rev: Schema.String })
const ListRecords = Schema.Struct({
  cursor: Schema.optional(Schema.String),
  records: Schema.Array(Schema.Struct({ uri: Schema.String, cid: Schema.String, value: Schema.Unknown }))
})

const xrpcGet = <A, I>(pds: string, method: string, params: Record<string, string>, schema: Schema.Schema<A, I>) =>
  Effect.gen(function*() {
    const url = new URL(`/xrpc/${method}`, pds)
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
    const client = yield* HttpClient.HttpClient
    const response = yield* client.get(url.toString(), { headers: { accept: "application/json" } })
    return yield* HttpClientResponse.schemaBodyJson(schema)(yield* HttpClientResponse.filterStatusOk(response))
  }).pipe(Effect.timeout("10 seconds"))

/** Every record of one collection in the repo, rkey → { cid, value }. */
const listAll = (pds: string, did: string, collection: string) =>
  Effect.gen(function*() {
    const records = new Map<string, { readonly cid: string; readonly value: unknown }>()
    let cursor: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const params: Record<string, string> = { repo: did, collection, limit: String(PAGE) }
      if (cursor !== undefined) params.cursor = cursor
      const body = yield* xrpcGet(pds, "com.atproto.repo.listRecords", params, ListRecords)
      for (const r of body.records) records.set(r.uri.split("/").pop()!, { cid: r.cid, value: r.value })
      if (body.cursor === undefined || body.records.length === 0) break
      cursor = body.cursor
    }
    return records
  })

/** Every indexed record of the DID in one collection (hidden ones too), uri → cid. */
const indexedOf = (did: string, collection: IndexedCollection) =>
  Effect.gen(function*() {
    const out = new Map<string, string>()
    if (collection === "app.overlap.eventType") {
      // a host has at most MAX_EVENT_TYPES_PER_HOST: one read
      for (const row of yield* (yield* EventTypesRepo).listByHost(did, { includeHidden: true })) out.set(row.uri, row.cid)
      return out
    }
    let cursor: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = collection === "app.overlap.slotOffer"
        ? yield* (yield* OffersRepo).listByHost({ did, limit: PAGE, cursor, includeHidden: true })
        : yield* (yield* BookingRequestsRepo).listByGuest({ did, limit: PAGE, cursor, includeHidden: true })
      for (const row of result.items) out.set(row.uri, row.cid)
      if (Option.isNone(result.cursor)) break
      cursor = result.cursor.value
    }
    return out
  })

const checkDid = (did: string) =>
  Effect.gen(function*() {
    const pds = yield* (yield* IdentityResolver).getPdsEndpoint(did)
    // the repo's revision now: repairs are applied at it, so the rev guard keeps anything newer the firehose brings
    const { rev } = yield* xrpcGet(pds, "com.atproto.sync.getLatestCommit", { did }, LatestCommit)
    const found = { missing: 0, stale: 0, extra: 0, invalid: 0 }
    for (const collection of COLLECTIONS) {
      const [inPds, indexed] = yield* Effect.all([listAll(pds, did, collection), indexedOf(did, collection)])
      for (const [rkey, { cid, value }] of inPds) {
        const uri = recordUri({ did, collection, rkey })
        const indexedCid = indexed.get(uri)
        indexed.delete(uri)
        if (indexedCid === cid) continue
        if (Either.isLeft(validateRecord(collection, value))) {
          found.invalid++
          continue
        }
        if (indexedCid === undefined) found.missing++
        else found.stale++
        const _tag = indexedCid === undefined ? "create" as const : "update" as const
        yield* applyIndexTask({ source: "drift", seenAt: yield* Clock.currentTimeMillis, event: { _tag, did, collection, rkey, rev, cid, record: value } })
      }
      for (const uri of indexed.keys()) {
        found.extra++
        const rkey = uri.split("/").pop()!
        yield* applyIndexTask({ source: "drift", seenAt: yield* Clock.currentTimeMillis, event: { _tag: "delete", did, collection, rkey, rev } })
      }
    }
    yield* (yield* IngestActivityRepo).markDriftChecked(did, yield* Clock.currentTimeMillis)
    return found
  })

/**
 * The `reindex-drift` cron (hourly): for the DIDs the indexer saw in the window, compares the index with the PDS
 * (`com.atproto.repo.listRecords`, endpoint from IdentityResolver) and repairs what differs through the same
 * apply path as index-tasks. Reports how much drift it found (log + Analytics).
 */
export const reindexDrift = (options: DriftOptions = defaultDriftOptions) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const dids = yield* (yield* IngestActivityRepo).listActiveSince(now - options.windowMs, options.maxDids)
    const results = yield* Effect.forEach(dids, (did) => Effect.either(checkDid(did)), { concurrency: 4 })
    const report: DriftReport = results.reduce<DriftReport>(
      (r, result) =>
        Either.isLeft(result)
          ? { ...r, failed: r.failed + 1 }
          : {
            ...r,
            missing: r.missing + result.right.missing,
            stale: r.stale + result.right.stale,
            extra: r.extra + result.right.extra,
            invalid: r.invalid + result.right.invalid
          },
      { dids: dids.length, missing: 0, stale: 0, extra: 0, invalid: 0, failed: 0 }
    )
    for (const [i, result] of results.entries()) {
      if (Either.isLeft(result)) yield* Effect.logWarning("reindex-drift: DID not checked").pipe(Effect.annotateLogs({ did: dids[i], error: String(result.left) }))
    }
    const metrics = yield* IngestMetrics
    for (const [name, value] of Object.entries(report)) yield* metrics.count({ name: `drift.${name}`, source: "reindex-drift", value })
    yield* Effect.logInfo("reindex-drift").pipe(Effect.annotateLogs({ ...report }))
    return report
  })
