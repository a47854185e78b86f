import { Effect, Layer, Ref } from "effect"
import type { AuditEventsRepo } from "../../services/AuditEventsRepo"
import { AuditLog } from "../../services/AuditLog"
import { makeAuditLog } from "../r2/AuditLogLive"

/** AuditLog over an in-memory blob map (`blobs` reads it) and whatever AuditEventsRepo is provided. */
export const makeAuditLogTest = Effect.gen(function*() {
  const blobs = yield* Ref.make(new Map<string, string>())
  const layer: Layer.Layer<AuditLog, never, AuditEventsRepo> = Layer.effect(
    AuditLog,
    makeAuditLog((key, json) => Ref.update(blobs, (m) => new Map(m).set(key, json)))
  )
  return { layer, blobs: Ref.get(blobs) }
})
