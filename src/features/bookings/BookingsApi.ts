import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { GetBookingOutput, GetBookingParams, ListBookingsOutput, ListBookingsParams } from "../../lexicon/schemas"
import { RateLimit } from "../xrpc/RateLimit"
import { XrpcAuth } from "../xrpc/XrpcAuth"

/** No booking with this id that the caller takes part in (a non-participant is not told it exists). */
export class BookingNotFoundError extends Schema.TaggedError<BookingNotFoundError>()(
  "BookingNotFound",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

export class InvalidCursorError extends Schema.TaggedError<InvalidCursorError>()(
  "InvalidCursor",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {}

/** The booking inbox: a participant reads one booking or lists theirs, newest first. */
export class BookingsApi extends HttpApiGroup.make("bookings")
  .add(
    HttpApiEndpoint.get("getBooking", "/xrpc/app.overlap.getBooking")
      .setUrlParams(GetBookingParams)
      .addSuccess(GetBookingOutput)
      .addError(BookingNotFoundError)
  )
  .add(
    HttpApiEndpoint.get("listBookings", "/xrpc/app.overlap.listBookings")
      .setUrlParams(ListBookingsParams)
      .addSuccess(ListBookingsOutput)
      .addError(InvalidCursorError)
  )
  // RateLimit before XrpcAuth: auth runs first, then the verified DID's `read` bucket is spent
  .middleware(RateLimit)
  .middleware(XrpcAuth) {}
