import { Effect, Option } from "effect"
import type { CalendarChanged } from "../../domain/calendar/calendarTask"
import { timingSafeEqual } from "../../domain/crypto/timingSafeEqual"
import type { PushChannel, PushChannelStoreError } from "../../services/PushChannels"
import { pushChannelToken } from "./pushSecret"

/**
 * Google Calendar push notifications (events watch channels): `POST` with an empty body and
 * X-Goog-Channel-ID / -Token / X-Goog-Resource-State / X-Goog-Message-Number headers.
 *
 * - the channel must be one we recorded, and X-Goog-Channel-Token must equal its derived token (compared in
 *   constant time); otherwise 403 and nothing is produced;
 * - `sync` (sent once when the channel opens) is acknowledged and produces nothing;
 * - `exists` / `not_exists` produce one `calendar-changed` message keyed by channel + message number, so
 *   Google's redelivery of the same message is harmless.
 * Google retries 500/502/503/504 with backoff, so store or queue trouble answers 503.
 */

export interface GoogleChannelDeps {
  /** PUSH_CHANNEL_SECRET; absent → 503 (misconfigured, Google retries later). */
  readonly secret: string | undefined
  readonly findChannel: (provider: "google", channelId: string) => Effect.Effect<Option.Option<PushChannel>, PushChannelStoreError>
  readonly enqueue: (message: CalendarChanged) => Effect.Effect<void, unknown>
}

const empty = (status: number) => new Response(null, { status })

export const handleGoogleChannel = (request: Request, deps: GoogleChannelDeps): Effect.Effect<Response> =>
  Effect.gen(function* () {
    if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } })
    if (deps.secret === undefined || deps.secret === "") return empty(503)
    const channelId = request.headers.get("x-goog-channel-id")
    const state = request.headers.get("x-goog-resource-state")
    const token = request.headers.get("x-goog-channel-token") ?? ""
    if (channelId === null || channelId === "" || state === null) return empty(400)

    const channel = yield* deps.findChannel("google", channelId)
    // Unknown channel and wrong token answer alike, so probing cannot tell which channel ids exist.
    const expected = Option.isSome(channel) ? yield* Effect.promise(() => pushChannelToken(deps.secret!, "google", channel.value.connectorId)) : ""
    if (Option.isNone(channel) || !timingSafeEqual(token, expected)) return empty(403)

    switch (state) {
      case "sync":
        return empty(200)
      case "exists":
      case "not_exists": {
        const messageNumber = request.headers.get("x-goog-message-number") ?? "0"
        yield* deps.enqueue({
          kind: "calendar-changed",
          did: channel.value.did,
          connectorId: channel.value.connectorId,
          provider: "google",
          idempotencyKey: `google:${channelId}:${messageNumber}`
        })
        return empty(200)
      }
      default:
        return empty(400)
    }
  }).pipe(Effect.catchAll(() => Effect.succeed(empty(503))))
