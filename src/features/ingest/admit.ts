import { Clock, Effect, Either } from "effect"
import { type IndexTask, type IngestEvent, recordUri } from "../../domain/ingest/events"
import { validateRecord } from "../../domain/recordValidation"
import { AuditEventsRepo } from "../../services/AuditEventsRepo"
import { IngestMetrics } from "../../services/IngestMetrics"

/** A record that failed its lexicon or a semantic rule: skipped, never indexed. */
export interface RejectedRecord {
  readonly uri: string
  readonly field: string
  readonly message: string
}

/**
 * The gate every source's events pass before `index-tasks`: each create/update is validated against its
 * lexicon (`validateRecord`); an invalid record is skipped, counted (`records.invalid`), logged and audited
 * (`index.invalidRecord`, actor = the repo DID). Never fails: a broken audit write is logged, not raised,
 * so one bad record cannot stall a source.
 */
export const admitEvents = (
  source: string,
  events: ReadonlyArray<IngestEvent>
): Effect.Effect<{ readonly tasks: ReadonlyArray<IndexTask>; readonly rejected: ReadonlyArray<RejectedRecord> }, never, AuditEventsRepo | IngestMetrics> =>
  Effect.gen(function*() {
    const seenAt = yield* Clock.currentTimeMillis
    const tasks: Array<IndexTask> = []
    const rejected: Array<RejectedRecord> = []
    for (const event of events) {
      if (event._tag === "create" || event._tag === "update") {
        const valid = validateRecord(event.collection, event.record)
        if (Either.isLeft(valid)) {
          rejected.push({ uri: recordUri(event), field: valid.left.field, message: valid.left.message })
          yield* rejectRecord(source, event.did, recordUri(event), valid.left.field, valid.left.message)
          continue
        }
      }
      tasks.push({ source, event, seenAt })
    }
    return { tasks, rejected }
  })

export const rejectRecord = (source: string, did: string, uri: string, field: string, message: string) =>
  Effect.gen(function*() {
    const metrics = yield* IngestMetrics
    const audit = yield* AuditEventsRepo
    yield* Effect.logWarning("ingest: invalid record skipped").pipe(Effect.annotateLogs({ source, uri, field, message }))
    yield* metrics.count({ name: "records.invalid", source, value: 1, did })
    yield* audit
      .append({ bookingId: null, actorDid: did, eventType: "index.invalidRecord", fromState: null, toState: null, r2Key: null })
      .pipe(Effect.catchAll((error) => Effect.logError("ingest: audit of an invalid record failed", error)))
  })
