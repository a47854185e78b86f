import { Effect, Layer } from "effect"
import type { AuditLog } from "../../services/AuditLog"
import { BookingLifecycle } from "../../services/BookingLifecycle"
import type { BookingsRepo } from "../../services/BookingsRepo"
import type { HoldStore } from "../../services/HoldStore"
import type { IcsStore } from "../../services/IcsStore"
import type { NotifyOutbox } from "../../services/NotifyOutbox"
import type { PdsWriter } from "../../services/PdsWriter"
import { makeBookingEngine } from "../../features/bookings/BookingEngine"

/** The same engine as BookingDO, in process: hold pointers in memory, serialization per booking id. */
export const BookingLifecycleTest: Layer.Layer<
  BookingLifecycle,
  never,
  BookingsRepo | HoldStore | IcsStore | NotifyOutbox | PdsWriter | AuditLog
> = Layer.effect(
  BookingLifecycle,
  Effect.gen(function*() {
    const engine = yield* makeBookingEngine
    return BookingLifecycle.of(engine)
  })
)
