import { SqlClient } from "@effect/sql"
import type { D1Client } from "@effect/sql-d1"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { IndexedOffer, OfferRecord, OffersRepo } from "../../services/OffersRepo"
import { clampLimit, decodeOptionalCursor, toPage } from "../../services/Page"
import { orRepositoryError, validateInput } from "../../services/RepositoryError"
import { accountRows } from "./AccountRows"
import { deleteAtRev, notTombstoned } from "./RecordTombstones"

const decodeOffers = Schema.decodeUnknown(Schema.Array(IndexedOffer))

export const OffersRepoLive: Layer.Layer<OffersRepo, never, SqlClient.SqlClient | D1Client.D1Client> = Layer.effect(
  OffersRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const d1 = yield* Effect.context<D1Client.D1Client>()

    const upsert = (o: OfferRecord, now: number) =>
      sql`INSERT INTO offers_index
            (uri, did, rkey, cid, rev, start_at, end_at, policy, tz, note, created_at, indexed_at, hidden,
             weekly, valid_from, valid_until)
          SELECT ${o.uri}, ${o.did}, ${o.rkey}, ${o.cid}, ${o.rev}, ${o.startAt}, ${o.endAt}, ${o.policy},
                 ${o.tz}, ${o.note}, ${o.createdAt}, ${now}, 0,
                 ${o.weekly == null ? null : JSON.stringify(o.weekly)}, ${o.validFrom ?? null}, ${o.validUntil ?? null}
          WHERE ${notTombstoned(sql, o.uri, o.rev)}
          ON CONFLICT (uri) DO UPDATE SET
            did = excluded.did, rkey = excluded.rkey, cid = excluded.cid, rev = excluded.rev,
            start_at = excluded.start_at, end_at = excluded.end_at, policy = excluded.policy,
            tz = excluded.tz, note = excluded.note, created_at = excluded.created_at,
            indexed_at = excluded.indexed_at, weekly = excluded.weekly, valid_from = excluded.valid_from,
            valid_until = excluded.valid_until
          WHERE excluded.rev > offers_index.rev
          RETURNING uri`

    return OffersRepo.of({
      upsert: (input) =>
        Effect.all([validateInput(OfferRecord, "OffersRepo.upsert")(input), Clock.currentTimeMillis]).pipe(
          Effect.flatMap(([offer, now]) => upsert(offer, now)),
          Effect.map((rows) => rows.length > 0),
          orRepositoryError("OffersRepo.upsert")
        ),

      delete: (uri, rev) =>
        deleteAtRev(sql, "offers_index", uri, rev).pipe(Effect.provide(d1), orRepositoryError("OffersRepo.delete")),

      get: (uri, options) =>
        sql`SELECT * FROM offers_index
            WHERE uri = ${uri} ${options?.includeHidden ? sql`` : sql`AND hidden = 0`}`.pipe(
          Effect.flatMap(decodeOffers),
          Effect.map((rows) => Option.fromNullable(rows[0])),
          orRepositoryError("OffersRepo.get")
        ),

      listByHost: (query) =>
        Effect.gen(function*() {
          const after = yield* decodeOptionalCursor(query.cursor)
          const limit = clampLimit(query.limit)
          const where = [
            sql`did = ${query.did}`,
            ...(query.includeHidden ? [] : [sql`hidden = 0`]),
            // a weekly offer lasts from valid_from (else start_at) until valid_until (NULL: open-ended)
            ...(query.from !== undefined
              ? [sql`CASE WHEN weekly IS NULL THEN end_at > ${query.from}
                          ELSE valid_until IS NULL OR valid_until > ${query.from} END`]
              : []),
            ...(query.to !== undefined ? [sql`COALESCE(valid_from, start_at) < ${query.to}`] : []),
            ...Option.match(after, {
              onNone: () => [],
              onSome: ([startAt, uri]) => [sql`(start_at, uri) > (${startAt}, ${uri})`]
            })
          ]
          const rows = yield* sql`SELECT * FROM offers_index WHERE ${sql.and(where)}
                                  ORDER BY start_at, uri LIMIT ${limit + 1}`.pipe(
            Effect.flatMap(decodeOffers),
            orRepositoryError("OffersRepo.listByHost")
          )
          return toPage(rows, limit, (o) => [o.startAt, o.uri])
        }),

      ...accountRows(sql, "offers_index", "did", "OffersRepo")
    })
  })
)
