import { Effect, Layer, Schema } from "effect"
import {
  BookingLifecycle,
  LifecycleCommand,
  LifecycleReply,
  BookingUnavailable,
  RescheduleCommand
} from "../../services/BookingLifecycle"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { objectRpc } from "./objectRpc"

/** A booking object that cannot be reached, or answers what does not decode, is BookingUnavailable. */
const call = objectRpc(({ method, problem, cause }) =>
  new BookingUnavailable({
    message: problem === "failed" ? `the booking object could not be reached (${method})` : `the booking object answered what does not decode (${method})`,
    cause
  }))

const encodeCommand = Schema.encode(LifecycleCommand)
const encodeReschedule = Schema.encode(RescheduleCommand)

/**
 * BookingLifecycle over the `BOOKING` namespace: one BookingDO per booking id (`idFromName(bookingId)`), which
 * serializes the booking's transitions. Replies come back encoded and are decoded into the tagged errors.
 */
export const BookingLifecycleLive: Layer.Layer<BookingLifecycle, never, CloudflareEnv> = Layer.effect(
  BookingLifecycle,
  Effect.map(CloudflareEnv, ({ BOOKING }) => {
    const stubOf = (bookingId: string) => BOOKING.get(BOOKING.idFromName(bookingId))
    return BookingLifecycle.of({
      finalize: (command) =>
        Effect.flatMap(Effect.orDie(encodeCommand(command)), (encoded) =>
          call(LifecycleReply, "finalize", () => stubOf(command.bookingId).finalize(encoded))),
      decline: (command) =>
        Effect.flatMap(Effect.orDie(encodeCommand(command)), (encoded) =>
          call(LifecycleReply, "decline", () => stubOf(command.bookingId).decline(encoded))),
      cancel: (command) =>
        Effect.flatMap(Effect.orDie(encodeCommand(command)), (encoded) =>
          call(LifecycleReply, "cancel", () => stubOf(command.bookingId).cancel(encoded))),
      reschedule: (command) =>
        Effect.flatMap(Effect.orDie(encodeReschedule(command)), (encoded) =>
          call(LifecycleReply, "reschedule", () => stubOf(command.bookingId).reschedule(encoded))),
      confirmReschedule: (command) =>
        Effect.flatMap(Effect.orDie(encodeCommand(command)), (encoded) =>
          call(LifecycleReply, "confirmReschedule", () => stubOf(command.bookingId).confirmReschedule(encoded))),
      declineReschedule: (command) =>
        Effect.flatMap(Effect.orDie(encodeCommand(command)), (encoded) =>
          call(LifecycleReply, "declineReschedule", () => stubOf(command.bookingId).declineReschedule(encoded)))
    })
  })
)
