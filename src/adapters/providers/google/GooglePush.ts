import { Effect, Schema } from "effect"
import type { ProviderError } from "../../../services/CalendarProvider"
import type { GoogleApi } from "./GoogleCalendar"

/**
 * Google Calendar push channels (`events.watch`). Google channels cannot be extended: renewing is opening a
 * new channel and stopping the old one once the new one exists, so no change falls between the two.
 *
 *   POST /calendar/v3/calendars/{calendarId}/events/watch
 *     { id, type: "web_hook", address, token, expiration }          → 200 { kind: "api#channel", id, resourceId, resourceUri, token, expiration }
 *   POST /calendar/v3/channels/stop
 *     { id, resourceId }                                            → 204
 */

export interface GoogleWatchRequest {
  readonly calendarId: string
  /** Ours: unique, ≤ 64 characters of [A-Za-z0-9-_+/=] (a UUID). Echoed as X-Goog-Channel-ID. */
  readonly channelId: string
  /** The webhooks worker's HTTPS URL for Google notifications. */
  readonly address: string
  /** pushChannelToken(secret, "google", connectorId); echoed as X-Goog-Channel-Token. */
  readonly token: string
  /** Requested expiry (epoch ms); Google may shorten it (about a week at most for events). */
  readonly expiresAt?: number
}

export interface GoogleChannelInfo {
  readonly channelId: string
  readonly resourceId: string
  readonly expiresAt: number
}

const Channel = Schema.Struct({
  id: Schema.String,
  resourceId: Schema.String,
  expiration: Schema.optional(Schema.Union(Schema.NumberFromString, Schema.Number))
})

export const watchGoogleCalendar = (api: GoogleApi, request: GoogleWatchRequest): Effect.Effect<GoogleChannelInfo, ProviderError> =>
  Effect.gen(function* () {
    const response = yield* api.call({
      method: "POST",
      url: `${api.base}/calendar/v3/calendars/${encodeURIComponent(request.calendarId)}/events/watch`,
      json: {
        id: request.channelId,
        type: "web_hook",
        address: request.address,
        token: request.token,
        ...(request.expiresAt === undefined ? {} : { expiration: request.expiresAt })
      }
    })
    if (response.status !== 200) return yield* api.failure(response, "events.watch")
    const channel = yield* api.decode(Channel, response, "events.watch")
    return { channelId: channel.id, resourceId: channel.resourceId, expiresAt: channel.expiration ?? request.expiresAt ?? 0 }
  })

/** Stops a channel; one Google no longer knows (404) is already stopped. */
export const stopGoogleChannel = (api: GoogleApi, channel: { readonly channelId: string; readonly resourceId: string }): Effect.Effect<void, ProviderError> =>
  Effect.gen(function* () {
    const response = yield* api.call({
      method: "POST",
      url: `${api.base}/calendar/v3/channels/stop`,
      json: { id: channel.channelId, resourceId: channel.resourceId }
    })
    if (response.status === 204 || response.status === 200 || response.status === 404) return
    return yield* api.failure(response, "channels.stop")
  })

/**
 * Opens `next` and then stops `previous`. Failing to stop the old channel is not a failure of the renewal:
 * it expires by itself, and its notifications are refused once its row is gone.
 */
export const renewGoogleChannel = (
  api: GoogleApi,
  previous: { readonly channelId: string; readonly resourceId: string },
  next: GoogleWatchRequest
): Effect.Effect<GoogleChannelInfo, ProviderError> =>
  Effect.gen(function* () {
    const opened = yield* watchGoogleCalendar(api, next)
    yield* stopGoogleChannel(api, previous).pipe(Effect.ignore)
    return opened
  })
