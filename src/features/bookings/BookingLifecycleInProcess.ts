import { Effect, Layer } from "effect"
import { BookingLifecycle } from "../../services/BookingLifecycle"
import { type BookingEngineServices, makeBookingEngine } from "./BookingEngine"

/** `BookingLifecycle` in this process: the same engine as BookingDO without the RPC hop, serialized per booking id. */
export const BookingLifecycleInProcess: Layer.Layer<BookingLifecycle, never, BookingEngineServices> = Layer.effect(
  BookingLifecycle,
  Effect.map(makeBookingEngine, (engine) => BookingLifecycle.of(engine))
)
