import { Effect } from "effect"
import type { MatchRequest } from "../../../domain/holds/matchRequest"
import type { BookingNotFound, BookingVersionConflict } from "../../../services/BookingsRepo"
import { HoldStoreError } from "../../../services/HoldStore"
import type { RepositoryError } from "../../../services/RepositoryError"
import type { EngineContext } from "./EngineContext"
import type { HoldRecord } from "./HoldLedger"

/** The host object's holds as D1 `bookings` shows them to the API and the `expire-holds` cron. */
export interface BookingsMirror {
  /** Records a hold as `held` until `expiresAt` (creating the row, or moving the API's `pending` row). */
  readonly mirrorHeld: (request: MatchRequest, record: HoldRecord, expiresAt: number) => Effect.Effect<void, HoldStoreError>
  /**
   * Makes D1 say `expired` for a hold whose time is up (compare-and-set, so a concurrent finalize wins or
   * loses cleanly). "booked": the booking was confirmed meanwhile; "retry": D1 failed.
   */
  readonly settleExpired: (bookingId: string) => Effect.Effect<"release" | "booked" | "retry">
}

export const makeBookingsMirror = ({ bookings }: EngineContext): BookingsMirror => {
  const mirrorHeld = (request: MatchRequest, record: HoldRecord, expiresAt: number): Effect.Effect<void, HoldStoreError> => {
    const id = record.bookingId
    const held = {
      status: "held" as const,
      startAt: record.start,
      endAt: record.end,
      holdExpiresAt: expiresAt,
      // the host's zone, for answers on both clocks; where the meeting is, for its confirmation; its title
      hostTz: request.host.timeZone,
      ...(request.location !== undefined ? { location: request.location } : {}),
      // what the meeting is called, for its notifications (migration 0023)
      ...(request.title !== undefined ? { title: request.title } : {})
    }
    const refuse = (message: string) => Effect.fail(new HoldStoreError({ message, cause: null }))
    return bookings.create({
      id,
      hostDid: request.hostDid,
      guestDid: request.guestDid,
      requestUri: request.requestUri ?? null,
      offerUri: request.offerUri ?? null,
      tz: request.guest.timeZone,
      sequence: 0,
      icsR2Key: null,
      ...held
    }).pipe(
      Effect.asVoid,
      // The API may have created the booking (pending) before matching; a retried match meets its own row.
      Effect.catchTag("BookingAlreadyExists", () =>
        Effect.flatMap(bookings.get(id), (existing): Effect.Effect<void, HoldStoreError | RepositoryError | BookingNotFound | BookingVersionConflict> =>
          existing.hostDid !== request.hostDid || existing.guestDid !== request.guestDid
            ? refuse(`booking ${id} belongs to other participants`)
            : existing.status === "pending"
            ? Effect.asVoid(bookings.transition(id, existing.version, held))
            : existing.status === "held" && existing.startAt === record.start && existing.endAt === record.end
            ? Effect.void
            : refuse(`booking ${id} is already ${existing.status}`))),
      Effect.mapError((error) =>
        error._tag === "HoldStoreError" ? error : new HoldStoreError({ message: "could not record the hold in D1", cause: error })
      )
    )
  }

  const settleExpired = (bookingId: string): Effect.Effect<"release" | "booked" | "retry"> =>
    Effect.gen(function*() {
      for (let attempt = 0; attempt < 3; attempt++) {
        const booking = yield* bookings.get(bookingId).pipe(
          Effect.map((b) => b as typeof b | undefined),
          Effect.catchTag("BookingNotFound", () => Effect.succeed(undefined))
        )
        if (booking === undefined) return "release"
        if (booking.status === "confirmed") return "booked"
        if (booking.status !== "held") return "release"
        const moved = yield* bookings.transition(bookingId, booking.version, { status: "expired" }).pipe(
          Effect.as(true),
          Effect.catchTag("BookingVersionConflict", () => Effect.succeed(false))
        )
        if (moved) return "release"
      }
      return "retry" as const
    }).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("could not mark an expired hold in D1; will retry", { bookingId, error: String(error) }).pipe(
          Effect.as("retry" as const)
        )
      )
    )

  return { mirrorHeld, settleExpired }
}
