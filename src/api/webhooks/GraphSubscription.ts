import { Effect, Option, Schema } from "effect"
import type { CalendarChanged } from "../../domain/calendar/calendarTask"
import { timingSafeEqual } from "../../domain/crypto/timingSafeEqual"
import type { PushChannel, PushChannelStoreError } from "../../services/PushChannels"
import { pushChannelToken, sha256Hex } from "./pushSecret"

/**
 * Microsoft Graph change notifications (and lifecycle notifications, same handler).
 *
 * - `?validationToken=…` (subscription create / renew handshake): echoed at once as `text/plain`, 200;
 * - otherwise a JSON `{ value: [changeNotification…] }`: an item counts only when its subscription is one we
 *   recorded and its `clientState` equals the derived secret (constant time); accepted items produce one
 *   `calendar-changed` message per connector, keyed by a hash of the items so a redelivery is harmless;
 * - 202 when at least one item was accepted (or the batch was empty), 403 when none was, 400 for a body that
 *   is not a notification collection; store or queue trouble → 503 (Graph retries).
 */

export interface GraphSubscriptionDeps {
  /** PUSH_CHANNEL_SECRET; absent → 503. */
  readonly secret: string | undefined
  readonly findChannel: (provider: "microsoft", subscriptionId: string) => Effect.Effect<Option.Option<PushChannel>, PushChannelStoreError>
  readonly enqueue: (message: CalendarChanged) => Effect.Effect<void, unknown>
}

const Notification = Schema.Struct({
  subscriptionId: Schema.String,
  clientState: Schema.optional(Schema.NullOr(Schema.String)),
  changeType: Schema.optional(Schema.String),
  lifecycleEvent: Schema.optional(Schema.String),
  resource: Schema.optional(Schema.String),
  resourceData: Schema.optional(Schema.Struct({ id: Schema.optional(Schema.String), "@odata.etag": Schema.optional(Schema.String) }))
})
const NotificationCollection = Schema.Struct({ value: Schema.Array(Notification) })

/** Graph accepts nothing longer back; a bigger "token" is not Graph's handshake. */
const MAX_VALIDATION_TOKEN = 4096

const empty = (status: number) => new Response(null, { status })

export const handleGraphNotification = (request: Request, deps: GraphSubscriptionDeps): Effect.Effect<Response> =>
  Effect.gen(function* () {
    const validationToken = new URL(request.url).searchParams.get("validationToken")
    if (validationToken !== null) {
      if (validationToken.length > MAX_VALIDATION_TOKEN) return empty(400)
      return new Response(validationToken, {
        status: 200,
        headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" }
      })
    }
    if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } })
    if (deps.secret === undefined || deps.secret === "") return empty(503)

    const text = yield* Effect.promise(() => request.text())
    const parsed = Schema.decodeUnknownOption(Schema.parseJson(NotificationCollection))(text)
    if (Option.isNone(parsed)) return empty(400)
    const items = parsed.value.value
    if (items.length === 0) return empty(202)

    const accepted = new Map<string, { channel: PushChannel; keys: Array<string> }>()
    for (const item of items) {
      const channel = yield* deps.findChannel("microsoft", item.subscriptionId)
      if (Option.isNone(channel)) continue
      const expected = yield* Effect.promise(() => pushChannelToken(deps.secret!, "microsoft", channel.value.connectorId))
      if (!timingSafeEqual(item.clientState ?? "", expected)) continue
      const group = accepted.get(channel.value.connectorId) ?? { channel: channel.value, keys: [] }
      group.keys.push(JSON.stringify([
        item.subscriptionId,
        item.changeType ?? item.lifecycleEvent ?? "",
        item.resource ?? "",
        item.resourceData?.id ?? "",
        item.resourceData?.["@odata.etag"] ?? ""
      ]))
      accepted.set(channel.value.connectorId, group)
    }
    if (accepted.size === 0) return empty(403)

    for (const { channel, keys } of accepted.values()) {
      const digest = yield* Effect.promise(() => sha256Hex(keys.sort().join("\n")))
      yield* deps.enqueue({
        kind: "calendar-changed",
        did: channel.did,
        connectorId: channel.connectorId,
        provider: "microsoft",
        idempotencyKey: `microsoft:${channel.channelId}:${digest}`
      })
    }
    return empty(202)
  }).pipe(Effect.catchAll(() => Effect.succeed(empty(503))))
