import { Chunk, Clock, Effect, Layer, Ref } from "effect"
import { AuditEvent, AuditEventsRepo, NewAuditEvent } from "../../services/AuditEventsRepo"
import { validateInput } from "../../services/RepositoryError"

/** In-memory `AuditEventsRepo` with the semantics of `AuditEventsRepoLive`. Fresh per build. */
export const AuditEventsRepoTest: Layer.Layer<AuditEventsRepo> = Layer.effect(
  AuditEventsRepo,
  Effect.gen(function*() {
    const events = yield* Ref.make(Chunk.empty<AuditEvent>())
    return AuditEventsRepo.of({
      append: (input) =>
        Effect.all([validateInput(NewAuditEvent, "AuditEventsRepo.append")(input), Clock.currentTimeMillis]).pipe(
          Effect.flatMap(([event, createdAt]) =>
            Ref.modify(events, (all) => {
              const appended = new AuditEvent({ ...event, id: Chunk.size(all) + 1, createdAt })
              return [appended, Chunk.append(all, appended)] as const
            })
          )
        ),
      listByBooking: (bookingId) =>
        Effect.map(Ref.get(events), (all) => Chunk.toReadonlyArray(Chunk.filter(all, (e) => e.bookingId === bookingId)))
    })
  })
)
