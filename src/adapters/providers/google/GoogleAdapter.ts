import { chosenHoldsCalendar } from "../../../domain/calendar/holdsCalendar"
import { HttpClient } from "@effect/platform"
import { Effect, Option } from "effect"
import type { BucketLimit } from "../../../domain/tokenBucket"
import type { Connector } from "../../../services/ConnectorsRepo"
import type { OpenedChannel, ProviderAdapter, PushHooks, PushRequest } from "../../../services/ProviderAdapters"
import { listGoogleCalendars } from "../ProviderAccounts"
import { apiOptionsFor } from "../providerHttp"
import { type GoogleApi, makeGoogleApi, makeGoogleCalendar } from "./GoogleCalendar"
import { type GoogleChannelInfo, renewGoogleChannel, stopGoogleChannel, watchGoogleCalendar } from "./GooglePush"

/** Google Calendar allows 600 requests per minute per user: a token bucket per connector. */
export const GOOGLE_USER_QUOTA: BucketLimit = { capacity: 600, refillPerSecond: 10 }
/** Google channels are asked for a week (Google may shorten it). */
const GOOGLE_CHANNEL_TTL_MS = 7 * 24 * 3_600_000

export interface GoogleAdapterOptions {
  /** Default https://www.googleapis.com (env GOOGLE_API_BASE). */
  readonly apiBase: string | undefined
}

/** A watch request for `calendarId`: a fresh channel id, asked for a week. */
const watchRequest = (calendarId: string, { addresses, now, token }: PushRequest) => ({
  calendarId,
  channelId: crypto.randomUUID(),
  address: addresses.google,
  token,
  expiresAt: now + GOOGLE_CHANNEL_TTL_MS
})

const opened = (info: GoogleChannelInfo, now: number): OpenedChannel => ({
  channelId: info.channelId,
  resourceId: info.resourceId,
  expiresAt: info.expiresAt || now + GOOGLE_CHANNEL_TTL_MS
})

/** One events watch channel per counted calendar; renewing opens a new channel, then stops the old one. */
const googlePush = (api: GoogleApi, row: Connector): PushHooks => ({
  provider: "google",
  resources: row.calendars.filter((c) => c.checkBusy).map((c) => c.id),
  open: (calendarId, request) => Effect.map(watchGoogleCalendar(api, watchRequest(calendarId, request)), (info) => opened(info, request.now)),
  renew: (channel, request) =>
    renewGoogleChannel(api, { channelId: channel.channelId, resourceId: channel.resourceId ?? "" }, watchRequest(channel.calendarId, request)).pipe(
      Effect.map((info) => Option.some(opened(info, request.now)))
    ),
  stop: (channel) => stopGoogleChannel(api, { channelId: channel.channelId, resourceId: channel.resourceId ?? "" })
})

/** Google Calendar: OAuth (the grant is revoked on remove), freeBusy over the counted calendars, push channels. */
export const makeGoogleAdapter = (options: GoogleAdapterOptions): ProviderAdapter => ({
  provider: "google",
  signIn: { kind: "oauth", provider: "google", revokesGrant: true },
  quota: { kind: "bucket", limit: GOOGLE_USER_QUOTA },
  changeFeed: "push",
  open: ({ accessToken, http, row }) =>
    Effect.gen(function*() {
      const apiOptions = apiOptionsFor(row.id, accessToken, options.apiBase)
      const api = yield* makeGoogleApi(apiOptions)
      const holdCalendarId = chosenHoldsCalendar(row.calendars)
      const calendar = yield* makeGoogleCalendar({
        ...apiOptions,
        calendarIds: row.calendars.filter((c) => c.checkBusy && c.primary !== true).map((c) => c.id),
        includePrimary: row.calendars.find((c) => c.primary === true)?.checkBusy !== false,
        ...(holdCalendarId === undefined ? {} : { holdCalendarId })
      })
      return {
        ...calendar,
        /** The primary calendar names the account; a calendar counts by default when it is the primary one. */
        discover: (previous: ReadonlyMap<string, boolean>) =>
          Effect.map(listGoogleCalendars(api), (list) => ({
            accountRef: list.find((c) => c.primary)?.id ?? row.accountRef,
            calendars: list.slice(0, 100).map((c) => ({
              id: c.id,
              name: c.summary || c.id,
              primary: c.primary,
              checkBusy: previous.get(c.id) ?? c.primary
            }))
          })),
        push: googlePush(api, row)
      }
    }).pipe(Effect.provideService(HttpClient.HttpClient, http))
})
