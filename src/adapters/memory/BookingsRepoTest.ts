import { Clock, Effect, HashMap, Layer, Option, Ref } from "effect"
import { BookingAlreadyExists, BookingNotFound, BookingsRepo, BookingVersionConflict } from "../../services/BookingsRepo"
import { Booking, BookingPatch, NewBooking } from "../../domain/booking/booking"
import { clampLimit, decodeOptionalCursor, toPage } from "../../services/Page"
import { RepositoryError, validateInput } from "../../services/RepositoryError"

const newestFirst = (a: Booking, b: Booking) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

/** Builds a row the way the table's CHECK constraints would accept it, or fails like D1 would. */
const makeRow = (operation: string, fields: ConstructorParameters<typeof Booking>[0]) =>
  Effect.try({ try: () => new Booking(fields), catch: (cause) => new RepositoryError({ operation, cause }) })

/** In-memory `BookingsRepo` with the semantics of `BookingsRepoLive`. A fresh, empty store per build. */
export const BookingsRepoTest: Layer.Layer<BookingsRepo> = Layer.effect(
  BookingsRepo,
  Effect.gen(function*() {
    const bookings = yield* Ref.make(HashMap.empty<string, Booking>())
    // Each write is read-check-write; the semaphore makes it atomic, like the one SQL statement in Live.
    const lock = yield* Effect.makeSemaphore(1)
    const current = (id: string) => Effect.map(Ref.get(bookings), HashMap.get(id))

    return BookingsRepo.of({
      create: (input) =>
        Effect.gen(function*() {
          const booking = yield* validateInput(NewBooking, "BookingsRepo.create")(input)
          const now = yield* Clock.currentTimeMillis
          if (Option.isSome(yield* current(booking.id))) return yield* new BookingAlreadyExists({ id: booking.id })
          const row = yield* makeRow("BookingsRepo.create", { ...booking, createdAt: now, updatedAt: now, version: 1 })
          yield* Ref.update(bookings, HashMap.set(row.id, row))
          return row
        }).pipe(lock.withPermits(1)),

      get: (id) =>
        current(id).pipe(
          Effect.flatMap(Option.match({
            onNone: () => Effect.fail(new BookingNotFound({ id })),
            onSome: Effect.succeed
          }))
        ),

      transition: (id, expectedVersion, input) =>
        Effect.gen(function*() {
          const patch = yield* validateInput(BookingPatch, "BookingsRepo.transition")(input)
          const now = yield* Clock.currentTimeMillis
          const stored = yield* current(id)
          if (Option.isNone(stored)) return yield* new BookingNotFound({ id })
          if (stored.value.version !== expectedVersion) {
            return yield* new BookingVersionConflict({ id, expectedVersion, actualVersion: stored.value.version })
          }
          const changes = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined))
          const row = yield* makeRow("BookingsRepo.transition", {
            ...stored.value,
            ...changes,
            updatedAt: now,
            version: stored.value.version + 1
          })
          yield* Ref.update(bookings, HashMap.set(id, row))
          return row
        }).pipe(lock.withPermits(1)),

      listForDid: (query) =>
        Effect.gen(function*() {
          const after = yield* decodeOptionalCursor(query.cursor)
          const limit = clampLimit(query.limit)
          const rows = Array.from(HashMap.values(yield* Ref.get(bookings)))
            .filter((b) =>
              (query.role === "host"
                ? b.hostDid === query.did
                : query.role === "guest"
                ? b.guestDid === query.did
                : b.hostDid === query.did || b.guestDid === query.did) &&
              (query.statuses === undefined || query.statuses.includes(b.status)) &&
              Option.match(after, {
                onNone: () => true,
                onSome: ([createdAt, id]) => b.createdAt < createdAt || (b.createdAt === createdAt && b.id < id)
              })
            )
            .sort(newestFirst)
            .slice(0, limit + 1)
          return toPage(rows, limit, (b) => [b.createdAt, b.id])
        }),

      listExpiredHolds: (now, limit) =>
        Effect.map(Ref.get(bookings), (m) =>
          Array.from(HashMap.values(m))
            .filter((b) => b.status === "held" && b.holdExpiresAt !== null && b.holdExpiresAt <= now)
            .sort((a, b) => a.holdExpiresAt! - b.holdExpiresAt! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
            .slice(0, clampLimit(limit)))
    })
  })
)
