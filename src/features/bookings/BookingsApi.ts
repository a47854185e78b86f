import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { GetBookingOutput, GetBookingParams, ListBookingsOutput, ListBookingsParams } from "../../lexicon/schemas"
import { BookingNotFound } from "../../services/BookingsRepo"
import { InvalidCursor } from "../../services/Page"
import { RateLimit } from "../xrpc/RateLimit"
import { XrpcAuth } from "../xrpc/XrpcAuth"

/** The booking inbox: a participant reads one booking or lists theirs, newest first. */
export class BookingsApi extends HttpApiGroup.make("bookings")
  .add(
    HttpApiEndpoint.get("getBooking", "/xrpc/app.overlap.getBooking")
      .setUrlParams(GetBookingParams)
      .addSuccess(GetBookingOutput)
      .addError(BookingNotFound)
  )
  .add(
    HttpApiEndpoint.get("listBookings", "/xrpc/app.overlap.listBookings")
      .setUrlParams(ListBookingsParams)
      .addSuccess(ListBookingsOutput)
      .addError(InvalidCursor)
  )
  // RateLimit before XrpcAuth: auth runs first, then the verified DID's `read` bucket is spent
  .middleware(RateLimit)
  .middleware(XrpcAuth) {}
