import { Effect, Schema } from "effect"
import { ConnectorBroken, type ProviderError } from "../../services/CalendarProvider"
import type { GoogleApi } from "./google/GoogleCalendar"
import type { GraphApi } from "./microsoft/MicrosoftCalendar"

/**
 * What the connect flow learns about the account right after the callback: which calendars there are to
 * choose from (Google) and the mailbox address getSchedule needs (Microsoft). Only names and ids.
 *
 *   GET /calendar/v3/users/me/calendarList?minAccessRole=freeBusyReader[&pageToken=…]   (calendar.calendarlist.readonly)
 *   GET /me/calendar?$select=owner                                                      (Calendars.ReadWrite)
 */

export interface GoogleCalendarEntry {
  readonly id: string
  readonly summary: string
  readonly primary: boolean
  /** "freeBusyReader" | "reader" | "writer" | "owner" */
  readonly accessRole: string
}

const CalendarListPage = Schema.Struct({
  items: Schema.optionalWith(
    Schema.Array(Schema.Struct({
      id: Schema.String,
      summary: Schema.optionalWith(Schema.String, { default: () => "" }),
      primary: Schema.optionalWith(Schema.Boolean, { default: () => false }),
      accessRole: Schema.String
    })),
    { default: () => [] }
  ),
  nextPageToken: Schema.optional(Schema.String)
})

export const listGoogleCalendars = (api: GoogleApi): Effect.Effect<ReadonlyArray<GoogleCalendarEntry>, ProviderError> =>
  Effect.gen(function* () {
    const entries: Array<GoogleCalendarEntry> = []
    let pageToken: string | undefined
    for (let page = 0; page < 100; page++) {
      const query = new URLSearchParams({ minAccessRole: "freeBusyReader" })
      if (pageToken !== undefined) query.set("pageToken", pageToken)
      const response = yield* api.call({ method: "GET", url: `${api.base}/calendar/v3/users/me/calendarList?${query}` })
      if (response.status !== 200) return yield* api.failure(response, "calendarList.list")
      const body = yield* api.decode(CalendarListPage, response, "calendarList.list")
      entries.push(...body.items)
      if (body.nextPageToken === undefined) break
      pageToken = body.nextPageToken
    }
    return entries
  })

const OwnedCalendar = Schema.Struct({ owner: Schema.Struct({ address: Schema.String, name: Schema.optional(Schema.String) }) })

/** The SMTP address of the signed-in mailbox (the owner of its default calendar). */
export const graphMailboxAddress = (api: GraphApi): Effect.Effect<string, ProviderError> =>
  Effect.gen(function* () {
    const response = yield* api.call({ method: "GET", url: `${api.base}/me/calendar?$select=owner` })
    if (response.status === 404) {
      return yield* new ConnectorBroken({ provider: "microsoft", connectorId: api.connectorId, reason: "the account has no mailbox calendar" })
    }
    if (response.status !== 200) return yield* api.failure(response, "calendar.get")
    return (yield* api.decode(OwnedCalendar, response, "calendar.get")).owner.address
  })
