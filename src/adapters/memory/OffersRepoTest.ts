import { Clock, Effect, HashMap, Layer, Option, Ref } from "effect"
import { IndexedOffer, OfferRecord, OffersRepo } from "../../services/OffersRepo"
import { clampLimit, decodeOptionalCursor, toPage } from "../../services/Page"
import { validateInput } from "../../services/RepositoryError"
import * as Records from "../d1/RevGuardedRecords"

const byStartThenUri = (a: IndexedOffer, b: IndexedOffer) =>
  a.startAt - b.startAt || (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0)

/** In-memory `OffersRepo` with the semantics of `OffersRepoLive`. A fresh, empty store per build. */
export const OffersRepoTest: Layer.Layer<OffersRepo> = Layer.effect(
  OffersRepo,
  Effect.gen(function*() {
    const store = yield* Ref.make(Records.empty<IndexedOffer>())
    const setHidden = (did: string, hidden: boolean) =>
      Ref.modify(store, (s) =>
        Records.updateWhere(
          s,
          (o) => o.did === did && o.hidden !== hidden,
          (o) => Option.some(new IndexedOffer({ ...o, hidden }))
        ))

    return OffersRepo.of({
      upsert: (input) =>
        Effect.all([validateInput(OfferRecord, "OffersRepo.upsert")(input), Clock.currentTimeMillis]).pipe(
          Effect.flatMap(([offer, now]) =>
            Ref.modify(store, (s) =>
              Records.upsert(s, offer.uri, offer.rev, (existing) =>
                new IndexedOffer({
                  ...offer,
                  weekly: offer.weekly ?? null,
                  validFrom: offer.validFrom ?? null,
                  validUntil: offer.validUntil ?? null,
                  indexedAt: now,
                  hidden: Option.match(existing, { onNone: () => false, onSome: (o) => o.hidden })
                })))
          )
        ),

      delete: (uri, rev) => Ref.modify(store, (s) => Records.remove(s, uri, rev)),

      get: (uri, options) =>
        Effect.map(
          Ref.get(store),
          (s) => Option.filter(HashMap.get(s.rows, uri), (o) => options?.includeHidden === true || !o.hidden)
        ),

      listByHost: (query) =>
        Effect.gen(function*() {
          const after = yield* decodeOptionalCursor(query.cursor)
          const limit = clampLimit(query.limit)
          const { rows } = yield* Ref.get(store)
          const matching = Array.from(HashMap.values(rows))
            .filter((o) =>
              o.did === query.did &&
              (query.includeHidden === true || !o.hidden) &&
              (query.from === undefined ||
                (o.weekly === null ? o.endAt > query.from : o.validUntil === null || o.validUntil > query.from)) &&
              (query.to === undefined || (o.validFrom ?? o.startAt) < query.to) &&
              Option.match(after, {
                onNone: () => true,
                onSome: ([startAt, uri]) => o.startAt > startAt || (o.startAt === startAt && o.uri > uri)
              })
            )
            .sort(byStartThenUri)
            .slice(0, limit + 1)
          return toPage(matching, limit, (o) => [o.startAt, o.uri])
        }),

      hideForDid: (did) => setHidden(did, true),
      unhideForDid: (did) => setHidden(did, false),
      purgeForDid: (did) => Ref.modify(store, (s) => Records.updateWhere(s, (o) => o.did === did, () => Option.none()))
    })
  })
)
