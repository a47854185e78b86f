import { SqlClient } from "@effect/sql"
import type { D1Client } from "@effect/sql-d1"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { EventTypeRecord, EventTypesRepo, IndexedEventType, MAX_EVENT_TYPES_PER_HOST } from "../../services/EventTypesRepo"
import { orRepositoryError, validateInput } from "../../services/RepositoryError"
import { accountRows } from "./AccountRows"
import { deleteAtRev, notTombstoned } from "./RecordTombstones"

const decodeRows = Schema.decodeUnknown(Schema.Array(IndexedEventType))
const json = (value: unknown): string | null => (value === null ? null : JSON.stringify(value))

/** `EventTypesRepo` over D1's `event_types_index` (migration 0016), rev-guarded like offers_index. */
export const EventTypesRepoLive: Layer.Layer<EventTypesRepo, never, SqlClient.SqlClient | D1Client.D1Client> = Layer.effect(
  EventTypesRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const d1 = yield* Effect.context<D1Client.D1Client>()

    const upsert = (e: EventTypeRecord, now: number) =>
      sql`INSERT INTO event_types_index
            (uri, did, rkey, cid, rev, slug, name, description, durations, location, policy, offers, created_at, indexed_at, hidden)
          SELECT ${e.uri}, ${e.did}, ${e.rkey}, ${e.cid}, ${e.rev}, ${e.slug}, ${e.name}, ${e.description},
                 ${JSON.stringify(e.durations)}, ${json(e.location)}, ${e.policy}, ${json(e.offers)}, ${e.createdAt}, ${now}, 0
          WHERE ${notTombstoned(sql, e.uri, e.rev)}
          ON CONFLICT (uri) DO UPDATE SET
            cid = excluded.cid, rev = excluded.rev, slug = excluded.slug, name = excluded.name,
            description = excluded.description, durations = excluded.durations, location = excluded.location,
            policy = excluded.policy, offers = excluded.offers, created_at = excluded.created_at,
            indexed_at = excluded.indexed_at
          WHERE excluded.rev > event_types_index.rev
          RETURNING uri`

    const one = (rows: ReadonlyArray<IndexedEventType>) => Option.fromNullable(rows[0])

    return EventTypesRepo.of({
      upsert: (input) =>
        Effect.all([validateInput(EventTypeRecord, "EventTypesRepo.upsert")(input), Clock.currentTimeMillis]).pipe(
          Effect.flatMap(([eventType, now]) => upsert(eventType, now)),
          Effect.map((rows) => rows.length > 0),
          orRepositoryError("EventTypesRepo.upsert")
        ),
      delete: (uri, rev) =>
        deleteAtRev(sql, "event_types_index", uri, rev).pipe(Effect.provide(d1), orRepositoryError("EventTypesRepo.delete")),
      get: (uri) =>
        sql`SELECT * FROM event_types_index WHERE uri = ${uri} AND hidden = 0`.pipe(
          Effect.flatMap(decodeRows),
          Effect.map(one),
          orRepositoryError("EventTypesRepo.get")
        ),
      getBySlug: (did, slug) =>
        sql`SELECT * FROM event_types_index WHERE did = ${did} AND slug = ${slug} AND hidden = 0`.pipe(
          Effect.flatMap(decodeRows),
          Effect.map(one),
          orRepositoryError("EventTypesRepo.getBySlug")
        ),
      listByHost: (did, options) =>
        (options?.includeHidden === true
          ? sql`SELECT * FROM event_types_index WHERE did = ${did} ORDER BY slug LIMIT ${MAX_EVENT_TYPES_PER_HOST}`
          : sql`SELECT * FROM event_types_index WHERE did = ${did} AND hidden = 0
            ORDER BY slug LIMIT ${MAX_EVENT_TYPES_PER_HOST}`).pipe(
          Effect.flatMap(decodeRows),
          orRepositoryError("EventTypesRepo.listByHost")
        ),
      ...accountRows(sql, "event_types_index", "did", "EventTypesRepo")
    })
  })
)
