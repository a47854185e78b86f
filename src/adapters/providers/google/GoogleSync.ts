import { Effect, Schema } from "effect"
import type { ProviderError } from "../../../services/CalendarProvider"
import { BOOKING_ID_PROPERTY, type GoogleApi } from "./GoogleCalendar"
import { SyncTokenGone } from "../../../services/ProviderAdapters"

/**
 * Incremental sync of one Google calendar (`events.list` with `syncToken`), reduced to what Overlap may keep:
 * the state of its own holds. Other events are only counted (their busy time is re-read with freeBusy),
 * never returned, so no one's calendar detail leaves this function.
 *
 *   GET /calendar/v3/calendars/{calendarId}/events?showDeleted=true&maxResults=2500[&syncToken=…][&pageToken=…]&fields=…
 *     → 200 { items: [{ id, status, extendedProperties }], nextPageToken? | nextSyncToken }
 *     → 410 { error: { errors: [{ reason: "fullSyncRequired" }] } } when the token expired: SyncTokenGone
 */

export interface HoldChange {
  readonly eventId: string
  readonly bookingId: string
  /** "confirmed" | "tentative" | "cancelled" (deleted) */
  readonly status: string
}

export interface GoogleChanges {
  readonly holds: ReadonlyArray<HoldChange>
  /** Events that are not Overlap holds and changed (or exist, on a full sync). */
  readonly otherChanges: number
  readonly nextSyncToken: string
}

const Page = Schema.Struct({
  items: Schema.optionalWith(
    Schema.Array(Schema.Struct({
      id: Schema.String,
      status: Schema.optional(Schema.String),
      extendedProperties: Schema.optional(Schema.Struct({ private: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })) }))
    })),
    { default: () => [] }
  ),
  nextPageToken: Schema.optional(Schema.String),
  nextSyncToken: Schema.optional(Schema.String)
})

/** Changes since `syncToken` (or everything, when undefined), following every page. */
export const googleEventChanges = (
  api: GoogleApi,
  calendarId: string,
  syncToken: string | undefined
): Effect.Effect<GoogleChanges, ProviderError | SyncTokenGone> =>
  Effect.gen(function* () {
    const holds: Array<HoldChange> = []
    let otherChanges = 0
    let pageToken: string | undefined
    for (let page = 0; page < 1000; page++) {
      const query = new URLSearchParams({ showDeleted: "true", maxResults: "2500", fields: "items(id,status,extendedProperties),nextPageToken,nextSyncToken" })
      if (syncToken !== undefined) query.set("syncToken", syncToken)
      if (pageToken !== undefined) query.set("pageToken", pageToken)
      const response = yield* api.call({ method: "GET", url: `${api.base}/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events?${query}` })
      if (response.status === 410) return yield* new SyncTokenGone({ provider: "google", calendarId })
      if (response.status !== 200) return yield* api.failure(response, "events.list")
      const body = yield* api.decode(Page, response, "events.list")
      for (const item of body.items) {
        const bookingId = item.extendedProperties?.private?.[BOOKING_ID_PROPERTY]
        if (bookingId === undefined) otherChanges++
        else holds.push({ eventId: item.id, bookingId, status: item.status ?? "confirmed" })
      }
      if (body.nextPageToken !== undefined) {
        pageToken = body.nextPageToken
        continue
      }
      if (body.nextSyncToken === undefined) {
        return yield* api.failure({ status: 502, headers: {}, body: undefined }, "events.list: last page without nextSyncToken")
      }
      return { holds, otherChanges, nextSyncToken: body.nextSyncToken }
    }
    return yield* api.failure({ status: 502, headers: {}, body: undefined }, "events.list: too many pages")
  })
