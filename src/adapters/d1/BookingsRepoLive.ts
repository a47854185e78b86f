import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import type { ListBookingsForDid } from "../../services/BookingsRepo"
import { BookingAlreadyExists, BookingNotFound, BookingsRepo, BookingVersionConflict } from "../../services/BookingsRepo"
import { Booking, BookingPatch, NewBooking } from "../../domain/booking/booking"
import { clampLimit, decodeOptionalCursor, toPage } from "../../services/Page"
import { orRepositoryError, validateInput } from "../../services/RepositoryError"

/**
 * A row without a guest's proposal (or a meeting place, the host's zone, a title) reads as a booking without those
 * fields (null columns left out). `location` and `conference` are JSON in their columns.
 */
const PROPOSAL_COLUMNS = ["proposedStartAt", "proposedEndAt", "proposedAt", "location", "conference", "hostTz", "title"] as const
const withoutEmptyProposal = (row: unknown) => {
  if (typeof row !== "object" || row === null) return row
  const copy: Record<string, unknown> = { ...row }
  for (const column of PROPOSAL_COLUMNS) if (copy[column] === null) delete copy[column]
  return copy
}
const decodeBookings = (rows: ReadonlyArray<unknown>) => Schema.decodeUnknown(Schema.Array(Booking))(rows.map(withoutEmptyProposal))
const VersionRow = Schema.Array(Schema.Struct({ version: Schema.Int }))

export const BookingsRepoLive: Layer.Layer<BookingsRepo, never, SqlClient.SqlClient> = Layer.effect(
  BookingsRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const listForDid = (query: ListBookingsForDid) =>
      Effect.gen(function*() {
        const after = yield* decodeOptionalCursor(query.cursor)
        const limit = clampLimit(query.limit)
        const common = [
          ...(query.statuses !== undefined ? [sql.in("status", query.statuses)] : []),
          ...Option.match(after, {
            onNone: () => [],
            onSome: ([createdAt, id]) => [sql`(created_at, id) < (${createdAt}, ${id})`]
          })
        ]
        const newestFirst = sql`ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`
        const asHost = sql`SELECT * FROM bookings WHERE ${sql.and([sql`host_did = ${query.did}`, ...common])} ${newestFirst}`
        const asGuest = (excludeHost: boolean) =>
          sql`SELECT * FROM bookings WHERE ${
            sql.and([
              sql`guest_did = ${query.did}`,
              ...(excludeHost ? [sql`host_did <> ${query.did}`] : []),
              ...common
            ])
          } ${newestFirst}`
        // "either" merges the two index-ordered branches rather than OR-ing them, so each side
        // reads at most limit + 1 rows from its own index; a self-booking is counted once.
        const statement = query.role === "host"
          ? asHost
          : query.role === "guest"
          ? asGuest(false)
          : sql`SELECT * FROM (${asHost}) UNION ALL SELECT * FROM (${asGuest(true)}) ${newestFirst}`
        const rows = yield* statement.pipe(Effect.flatMap(decodeBookings), orRepositoryError("BookingsRepo.listForDid"))
        return toPage(rows, limit, (b) => [b.createdAt, b.id])
      })

    return BookingsRepo.of({
      create: (input) =>
        Effect.gen(function*() {
          const booking = yield* validateInput(NewBooking, "BookingsRepo.create")(input)
          const now = yield* Clock.currentTimeMillis
          const encoded = yield* Schema.encode(NewBooking)(booking).pipe(orRepositoryError("BookingsRepo.create"))
          const rows = yield* sql`INSERT INTO bookings ${
            sql.insert({ ...encoded, createdAt: now, updatedAt: now, version: 1 })
          } ON CONFLICT (id) DO NOTHING RETURNING *`.pipe(
            Effect.flatMap(decodeBookings),
            orRepositoryError("BookingsRepo.create")
          )
          const created = rows[0]
          return created ? created : yield* new BookingAlreadyExists({ id: booking.id })
        }),

      get: (id) =>
        sql`SELECT * FROM bookings WHERE id = ${id}`.pipe(
          Effect.flatMap(decodeBookings),
          orRepositoryError("BookingsRepo.get"),
          Effect.flatMap((rows) => rows[0] ? Effect.succeed(rows[0]) : Effect.fail(new BookingNotFound({ id })))
        ),

      transition: (id, expectedVersion, input) =>
        Effect.gen(function*() {
          const patch = yield* validateInput(BookingPatch, "BookingsRepo.transition")(input).pipe(
            Effect.flatMap((valid) => Schema.encode(BookingPatch)(valid).pipe(orRepositoryError("BookingsRepo.transition")))
          )
          const now = yield* Clock.currentTimeMillis
          const assignments = [
            ...Object.entries(patch)
              .filter(([, value]) => value !== undefined)
              .map(([column, value]) => sql`${sql(column)} = ${value}`),
            sql`updated_at = ${now}`,
            sql`version = version + 1`
          ]
          const rows = yield* sql`UPDATE bookings SET ${sql.csv(assignments)}
                                  WHERE id = ${id} AND version = ${expectedVersion}
                                  RETURNING *`.pipe(
            Effect.flatMap(decodeBookings),
            orRepositoryError("BookingsRepo.transition")
          )
          if (rows[0]) return rows[0]
          // Nothing matched: tell a missing booking from a stale version (diagnostics only).
          const current = yield* sql`SELECT version FROM bookings WHERE id = ${id}`.pipe(
            Effect.flatMap(Schema.decodeUnknown(VersionRow)),
            orRepositoryError("BookingsRepo.transition")
          )
          return yield* current[0]
            ? new BookingVersionConflict({ id, expectedVersion, actualVersion: current[0].version })
            : new BookingNotFound({ id })
        }),

      listForDid,

      listExpiredHolds: (now, limit) =>
        sql`SELECT * FROM bookings
            WHERE status = 'held' AND hold_expires_at <= ${now}
            ORDER BY hold_expires_at, id
            LIMIT ${clampLimit(limit)}`.pipe(
          Effect.flatMap(decodeBookings),
          orRepositoryError("BookingsRepo.listExpiredHolds")
        )
    })
  })
)
