import { Clock, Effect, HashMap, Layer, Option, Ref } from "effect"
import { EventTypeRecord, EventTypesRepo, IndexedEventType, MAX_EVENT_TYPES_PER_HOST } from "../../services/EventTypesRepo"
import { validateInput } from "../../services/RepositoryError"
import * as Records from "../d1/RevGuardedRecords"

/** In-memory `EventTypesRepo` with the semantics of `EventTypesRepoLive`. A fresh, empty store per build. */
export const EventTypesRepoTest: Layer.Layer<EventTypesRepo> = Layer.effect(
  EventTypesRepo,
  Effect.gen(function*() {
    const store = yield* Ref.make(Records.empty<IndexedEventType>())
    const visible = Effect.map(Ref.get(store), (s) => Array.from(HashMap.values(s.rows)).filter((e) => !e.hidden))
    const setHidden = (did: string, hidden: boolean) =>
      Ref.modify(store, (s) =>
        Records.updateWhere(s, (e) => e.did === did && e.hidden !== hidden, (e) => Option.some(new IndexedEventType({ ...e, hidden }))))

    return EventTypesRepo.of({
      upsert: (input) =>
        Effect.all([validateInput(EventTypeRecord, "EventTypesRepo.upsert")(input), Clock.currentTimeMillis]).pipe(
          Effect.flatMap(([eventType, now]) =>
            Ref.modify(store, (s) =>
              Records.upsert(s, eventType.uri, eventType.rev, (existing) =>
                new IndexedEventType({
                  ...eventType,
                  indexedAt: now,
                  hidden: Option.match(existing, { onNone: () => false, onSome: (e) => e.hidden })
                })))
          )
        ),
      delete: (uri, rev) => Ref.modify(store, (s) => Records.remove(s, uri, rev)),
      get: (uri) => Effect.map(visible, (rows) => Option.fromNullable(rows.find((e) => e.uri === uri))),
      getBySlug: (did, slug) => Effect.map(visible, (rows) => Option.fromNullable(rows.find((e) => e.did === did && e.slug === slug))),
      listByHost: (did, options) =>
        Effect.map(options?.includeHidden === true ? Effect.map(Ref.get(store), (s) => Array.from(HashMap.values(s.rows))) : visible, (rows) =>
          rows.filter((e) => e.did === did).sort((a, b) => (a.slug < b.slug ? -1 : 1)).slice(0, MAX_EVENT_TYPES_PER_HOST)),
      hideForDid: (did) => setHidden(did, true),
      unhideForDid: (did) => setHidden(did, false),
      purgeForDid: (did) => Ref.modify(store, (s) => Records.updateWhere(s, (e) => e.did === did, () => Option.none()))
    })
  })
)
