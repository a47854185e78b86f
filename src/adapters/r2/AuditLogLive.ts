import { Effect, Layer } from "effect"
import { AuditEventsRepo } from "../../services/AuditEventsRepo"
import { AuditLog, auditKey, AuditWriteFailed, type BookingAuditRecord } from "../../services/AuditLog"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/** The audit log over a blob writer: the record as JSON under its key, then its row in `audit_events`. */
export const makeAuditLog = (putJson: (key: string, json: string) => Effect.Effect<void, AuditWriteFailed>) =>
  Effect.map(AuditEventsRepo, (events) =>
    AuditLog.of({
      recordTransition: (record: BookingAuditRecord, n: number) => {
        const key = auditKey(record.bookingId, n)
        return putJson(key, JSON.stringify(record)).pipe(
          Effect.zipRight(events.append({
            bookingId: record.bookingId,
            actorDid: record.actorDid,
            eventType: record.eventType,
            fromState: record.fromState,
            toState: record.toState,
            r2Key: key
          })),
          Effect.as({ key })
        )
      }
    }))

/** AuditLog over the `BLOBS` bucket and `audit_events` in D1. */
export const AuditLogLive: Layer.Layer<AuditLog, never, CloudflareEnv | AuditEventsRepo> = Layer.effect(
  AuditLog,
  Effect.flatMap(CloudflareEnv, ({ BLOBS }) =>
    makeAuditLog((key, json) =>
      Effect.tryPromise({
        try: () => BLOBS.put(key, json, { httpMetadata: { contentType: "application/json" } }),
        catch: (cause) => new AuditWriteFailed({ key, cause })
      }).pipe(Effect.asVoid)))
)
