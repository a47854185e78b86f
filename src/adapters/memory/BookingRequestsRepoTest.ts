import { Clock, Effect, HashMap, Layer, Option, Ref } from "effect"
import type { ListBookingRequests } from "../../services/BookingRequestsRepo"
import {
  BookingRequestNotFound,
  BookingRequestRecord,
  BookingRequestsRepo,
  IndexedBookingRequest
} from "../../services/BookingRequestsRepo"
import { clampLimit, decodeOptionalCursor, toPage } from "../../services/Page"
import { validateInput } from "../../services/RepositoryError"
import * as Records from "../d1/RevGuardedRecords"

const newestFirst = (a: IndexedBookingRequest, b: IndexedBookingRequest) =>
  b.createdAt - a.createdAt || (a.uri < b.uri ? 1 : a.uri > b.uri ? -1 : 0)

/** In-memory `BookingRequestsRepo` with the semantics of `BookingRequestsRepoLive`. Fresh per build. */
export const BookingRequestsRepoTest: Layer.Layer<BookingRequestsRepo> = Layer.effect(
  BookingRequestsRepo,
  Effect.gen(function*() {
    const store = yield* Ref.make(Records.empty<IndexedBookingRequest>())

    const replace = (
      matches: (r: IndexedBookingRequest) => boolean,
      change: (r: IndexedBookingRequest) => Option.Option<IndexedBookingRequest>
    ) => Ref.modify(store, (s) => Records.updateWhere(s, matches, change))

    const list = (role: "hostDid" | "guestDid") => (query: ListBookingRequests) =>
      Effect.gen(function*() {
        const after = yield* decodeOptionalCursor(query.cursor)
        const limit = clampLimit(query.limit)
        const { rows } = yield* Ref.get(store)
        const matching = Array.from(HashMap.values(rows))
          .filter((r) =>
            r[role] === query.did &&
            (query.includeHidden === true || !r.hidden) &&
            (query.status === undefined || r.status === query.status) &&
            Option.match(after, {
              onNone: () => true,
              onSome: ([createdAt, uri]) => r.createdAt < createdAt || (r.createdAt === createdAt && r.uri < uri)
            })
          )
          .sort(newestFirst)
          .slice(0, limit + 1)
        return toPage(matching, limit, (r) => [r.createdAt, r.uri])
      })

    return BookingRequestsRepo.of({
      upsert: (input) =>
        Effect.all([
          validateInput(BookingRequestRecord, "BookingRequestsRepo.upsert")(input),
          Clock.currentTimeMillis
        ]).pipe(
          Effect.flatMap(([request, now]) =>
            Ref.modify(store, (s) =>
              Records.upsert(s, request.uri, request.rev, (existing) =>
                new IndexedBookingRequest({
                  ...request,
                  indexedAt: now,
                  status: Option.match(existing, { onNone: () => request.status, onSome: (r) => r.status }),
                  hidden: Option.match(existing, { onNone: () => false, onSome: (r) => r.hidden })
                })))
          )
        ),

      delete: (uri, rev) => Ref.modify(store, (s) => Records.remove(s, uri, rev)),

      get: (uri, options) =>
        Effect.map(
          Ref.get(store),
          (s) => Option.filter(HashMap.get(s.rows, uri), (r) => options?.includeHidden === true || !r.hidden)
        ),

      getMany: (uris) =>
        Effect.map(Ref.get(store), (s) =>
          uris.slice(0, 100).flatMap((uri) => Option.toArray(Option.filter(HashMap.get(s.rows, uri), (r) => !r.hidden)))),

      listByHost: list("hostDid"),
      listByGuest: list("guestDid"),

      setStatus: (uri, status, reason) =>
        Ref.modify(store, (s) =>
          Option.match(HashMap.get(s.rows, uri), {
            onNone: () => [Option.none<IndexedBookingRequest>(), s] as const,
            onSome: (r) => {
              const next = new IndexedBookingRequest({ ...r, status, statusReason: reason ?? null })
              return [Option.some(next), { ...s, rows: HashMap.set(s.rows, uri, next) }] as const
            }
          })).pipe(
            Effect.flatMap(Option.match({
              onNone: () => Effect.fail(new BookingRequestNotFound({ uri })),
              onSome: Effect.succeed
            }))
          ),

      hideForDid: (did) =>
        replace((r) => r.guestDid === did && !r.hidden, (r) => Option.some(new IndexedBookingRequest({ ...r, hidden: true }))),
      unhideForDid: (did) =>
        replace((r) => r.guestDid === did && r.hidden, (r) => Option.some(new IndexedBookingRequest({ ...r, hidden: false }))),
      purgeForDid: (did) => replace((r) => r.guestDid === did, () => Option.none())
    })
  })
)
