import { SqlClient } from "@effect/sql"
import type { D1Client } from "@effect/sql-d1"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import type { ListBookingRequests } from "../../services/BookingRequestsRepo"
import {
  BookingConstraints,
  BookingRequestNotFound,
  BookingRequestRecord,
  BookingRequestsRepo,
  IndexedBookingRequest
} from "../../services/BookingRequestsRepo"
import { clampLimit, decodeOptionalCursor, toPage } from "../../services/Page"
import { orRepositoryError, validateInput } from "../../services/RepositoryError"
import { accountRows } from "./AccountRows"
import { deleteAtRev, notTombstoned } from "./RecordTombstones"

const decodeRequests = Schema.decodeUnknown(Schema.Array(IndexedBookingRequest))
const encodeConstraints = Schema.encode(Schema.parseJson(BookingConstraints))

export const BookingRequestsRepoLive: Layer.Layer<
  BookingRequestsRepo,
  never,
  SqlClient.SqlClient | D1Client.D1Client
> = Layer.effect(
  BookingRequestsRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const d1 = yield* Effect.context<D1Client.D1Client>()

    const upsert = (r: BookingRequestRecord, constraints: string, now: number) =>
      sql`INSERT INTO booking_requests
            (uri, guest_did, host_did, rkey, cid, rev, offer_uri, event_type, constraints, status, note, created_at,
             indexed_at, hidden)
          SELECT ${r.uri}, ${r.guestDid}, ${r.hostDid}, ${r.rkey}, ${r.cid}, ${r.rev}, ${r.offerUri}, ${r.eventType ?? null},
                 ${constraints}, ${r.status}, ${r.note}, ${r.createdAt}, ${now}, 0
          WHERE ${notTombstoned(sql, r.uri, r.rev)}
          ON CONFLICT (uri) DO UPDATE SET
            guest_did = excluded.guest_did, host_did = excluded.host_did, rkey = excluded.rkey,
            cid = excluded.cid, rev = excluded.rev, offer_uri = excluded.offer_uri, event_type = excluded.event_type,
            constraints = excluded.constraints, note = excluded.note, created_at = excluded.created_at,
            indexed_at = excluded.indexed_at
          WHERE excluded.rev > booking_requests.rev
          RETURNING uri`

    const list = (column: "host_did" | "guest_did", operation: string) => (query: ListBookingRequests) =>
      Effect.gen(function*() {
        const after = yield* decodeOptionalCursor(query.cursor)
        const limit = clampLimit(query.limit)
        const where = [
          sql`${sql.literal(column)} = ${query.did}`,
          ...(query.includeHidden ? [] : [sql`hidden = 0`]),
          ...(query.status !== undefined ? [sql`status = ${query.status}`] : []),
          ...Option.match(after, {
            onNone: () => [],
            onSome: ([createdAt, uri]) => [sql`(created_at, uri) < (${createdAt}, ${uri})`]
          })
        ]
        const rows = yield* sql`SELECT * FROM booking_requests WHERE ${sql.and(where)}
                                ORDER BY created_at DESC, uri DESC LIMIT ${limit + 1}`.pipe(
          Effect.flatMap(decodeRequests),
          orRepositoryError(operation)
        )
        return toPage(rows, limit, (r) => [r.createdAt, r.uri])
      })

    return BookingRequestsRepo.of({
      upsert: (input) =>
        Effect.gen(function*() {
          const request = yield* validateInput(BookingRequestRecord, "BookingRequestsRepo.upsert")(input)
          const constraints = yield* encodeConstraints(request.constraints)
          const now = yield* Clock.currentTimeMillis
          const rows = yield* upsert(request, constraints, now)
          return rows.length > 0
        }).pipe(orRepositoryError("BookingRequestsRepo.upsert")),

      delete: (uri, rev) =>
        deleteAtRev(sql, "booking_requests", uri, rev).pipe(Effect.provide(d1), orRepositoryError("BookingRequestsRepo.delete")),

      get: (uri, options) =>
        sql`SELECT * FROM booking_requests
            WHERE uri = ${uri} ${options?.includeHidden ? sql`` : sql`AND hidden = 0`}`.pipe(
          Effect.flatMap(decodeRequests),
          Effect.map((rows) => Option.fromNullable(rows[0])),
          orRepositoryError("BookingRequestsRepo.get")
        ),

      getMany: (uris) =>
        uris.length === 0
          ? Effect.succeed([])
          : sql`SELECT * FROM booking_requests WHERE ${sql.in("uri", uris.slice(0, 100))} AND hidden = 0`.pipe(
            Effect.flatMap(decodeRequests),
            orRepositoryError("BookingRequestsRepo.getMany")
          ),

      listByHost: list("host_did", "BookingRequestsRepo.listByHost"),
      listByGuest: list("guest_did", "BookingRequestsRepo.listByGuest"),

      setStatus: (uri, status, reason) =>
        sql`UPDATE booking_requests SET status = ${status}, status_reason = ${reason ?? null} WHERE uri = ${uri} RETURNING *`.pipe(
          Effect.flatMap(decodeRequests),
          orRepositoryError("BookingRequestsRepo.setStatus"),
          Effect.flatMap((rows) =>
            rows[0] ? Effect.succeed(rows[0]) : Effect.fail(new BookingRequestNotFound({ uri }))
          )
        ),

      ...accountRows(sql, "booking_requests", "guest_did", "BookingRequestsRepo")
    })
  })
)
