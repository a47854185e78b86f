import { Effect, Layer, Schema } from "effect"
import {
  BookingLifecycle,
  type BookingRpc,
  LifecycleCommand,
  type LifecycleCommand as Command,
  LifecycleReply,
  LifecycleUnavailable,
  RescheduleCommand
} from "../../services/BookingLifecycle"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/**
 * BookingLifecycle over the `BOOKING` namespace: one BookingDO per booking id (`idFromName(bookingId)`), which
 * serializes the booking's transitions. Replies come back encoded and are decoded into the tagged errors.
 */
export const BookingLifecycleLive: Layer.Layer<BookingLifecycle, never, CloudflareEnv> = Layer.effect(
  BookingLifecycle,
  Effect.map(CloudflareEnv, ({ BOOKING }) => {
    const stubOf = (bookingId: string) => BOOKING.get(BOOKING.idFromName(bookingId)) as unknown as BookingRpc
    const call = <I extends Command>(
      schema: Schema.Schema<I, any>,
      method: keyof BookingRpc,
      command: I
    ) =>
      Effect.flatMap(Schema.encode(schema)(command).pipe(Effect.orDie), (encoded) =>
        Effect.tryPromise({
          try: () => (stubOf(command.bookingId)[method] as (c: unknown) => Promise<typeof LifecycleReply.Encoded>)(encoded),
          catch: (cause) => new LifecycleUnavailable({ message: `the booking object could not be reached (${method})`, cause })
        })).pipe(
          Effect.flatMap((reply) => Schema.decode(LifecycleReply)(reply).pipe(Effect.orDie)),
          Effect.flatten
        )
    return BookingLifecycle.of({
      finalize: (command) => call(LifecycleCommand, "finalize", command),
      decline: (command) => call(LifecycleCommand, "decline", command),
      cancel: (command) => call(LifecycleCommand, "cancel", command),
      reschedule: (command) => call(RescheduleCommand, "reschedule", command)
    })
  })
)
