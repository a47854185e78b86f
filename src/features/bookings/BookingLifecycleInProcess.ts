import { Effect, Layer } from "effect"
import type { AuditLog } from "../../services/AuditLog"
import { BookingLifecycle } from "../../services/BookingLifecycle"
import type { BookingsRepo } from "../../services/BookingsRepo"
import type { HoldStore } from "../../services/HoldStore"
import type { IcsStore } from "../../services/IcsStore"
import type { NotifyOutbox } from "../../services/NotifyOutbox"
import type { PdsWriter } from "../../services/PdsWriter"
import { makeBookingEngine } from "./BookingEngine"

/** `BookingLifecycle` in this process: the same engine as BookingDO without the RPC hop, serialized per booking id. */
export const BookingLifecycleInProcess: Layer.Layer<
  BookingLifecycle,
  never,
  BookingsRepo | HoldStore | IcsStore | NotifyOutbox | PdsWriter | AuditLog
> = Layer.effect(
  BookingLifecycle,
  Effect.map(makeBookingEngine, (engine) => BookingLifecycle.of(engine))
)
