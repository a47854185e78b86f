import { Option, Schema } from "effect"
import { EventLocation } from "../eventTypes"
import { Conference } from "./meetingPlace"

/** A JSON column as stored; one that does not read is left out (undefined) rather than failing the read. */
const jsonColumn = <A, I>(schema: Schema.Schema<A, I>, json: string | null): A | undefined =>
  json === null ? undefined : Option.getOrUndefined(Schema.decodeUnknownOption(Schema.parseJson(schema))(json))

/**
 * A booking row's place columns (`location`, `conference`, migration 0014, JSON as stored) as the notification
 * sweeps and the export read them: a column that does not read is left out, never holding back the notice or the
 * export.
 */
export const bookingPlace = (row: { readonly location: string | null; readonly conference: string | null }) => ({
  location: jsonColumn(EventLocation, row.location),
  conference: jsonColumn(Conference, row.conference)
})
