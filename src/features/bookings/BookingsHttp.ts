import { HttpApiBuilder } from "@effect/platform"
import { OverlapApi } from "../OverlapApi"
import { getBooking } from "./methods/getBooking"
import { listBookings } from "./methods/listBookings"

/** The booking inbox methods (one file each under methods/). */
export const BookingsHttpLive = HttpApiBuilder.group(OverlapApi, "bookings", (handlers) =>
  handlers
    .handle("getBooking", getBooking)
    .handle("listBookings", listBookings))
