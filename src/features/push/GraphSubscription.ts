import { Effect, Option, Schema } from "effect"
import type { CalendarChanged } from "../../domain/calendar/calendarTask"
import { timingSafeEqual } from "../../domain/crypto/timingSafeEqual"
import { declaresMoreThan, readBoundedText } from "../../platform/boundedBody"
import type { PushChannel, PushChannelStoreError } from "../../services/PushChannels"
import { sha256Hex } from "../../domain/crypto/sha256Hex"
import { pushChannelToken } from "./pushSecret"

/**
 * Microsoft Graph change notifications (and lifecycle notifications, same handler).
 *
 * - `?validationToken=…` (subscription create / renew handshake): echoed at once as `text/plain`, 200;
 * - otherwise a JSON `{ value: [changeNotification…] }`: an item counts only when its subscription is one we
 *   recorded and its `clientState` equals the derived secret (constant time); accepted items produce one
 *   `calendar-changed` message per connector, keyed by a hash of the items so a redelivery is harmless;
 * - 202 when at least one item was accepted (or the batch was empty), 403 when none was, 400 for a body that
 *   is not a notification collection; store or queue trouble → 503 (Graph retries).
 * - Anyone can post here, so what one post may cost is bounded (GRAPH_PUSH_LIMITS): the body's size (413) and
 *   read time (408), the number of items and of distinct subscriptions (400) — each subscription is looked up
 *   once, however many items name it. Refusals carry `{ error, message }`.
 */

export interface GraphSubscriptionDeps {
  /** PUSH_CHANNEL_SECRET; absent → 503. */
  readonly secret: string | undefined
  readonly findChannel: (provider: "microsoft", subscriptionId: string) => Effect.Effect<Option.Option<PushChannel>, PushChannelStoreError>
  readonly enqueue: (message: CalendarChanged) => Effect.Effect<void, unknown>
  /** Default GRAPH_PUSH_LIMITS. */
  readonly limits?: Partial<GraphPushLimits>
}

export interface GraphPushLimits {
  /** Body size; past it 413 (a declared Content-Length past it is refused before reading). */
  readonly maxBodyBytes: number
  /** How long reading the body may take; past it 408. */
  readonly bodyTimeoutMs: number
  /** Notification items in one post; past it 400. */
  readonly maxItems: number
  /** Distinct subscriptions one post may name (one D1 lookup each); past it 400. */
  readonly maxSubscriptions: number
}

/**
 * Graph sends basic change notifications of well under 1 KB each, batched per notification URL (which all of
 * Overlap's subscriptions share), so these leave room for busy batches and none for a flood.
 */
export const GRAPH_PUSH_LIMITS: GraphPushLimits = {
  maxBodyBytes: 1024 * 1024,
  bodyTimeoutMs: 10_000,
  maxItems: 1_000,
  maxSubscriptions: 100
}

/** Distinct subscriptions looked up at once. */
const LOOKUP_CONCURRENCY = 8

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
const refuse = (status: number, error: string, message: string) => Response.json({ error, message }, { status })

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
    const limits = { ...GRAPH_PUSH_LIMITS, ...deps.limits }

    const tooLarge = () => refuse(413, "PayloadTooLarge", `a notification post is at most ${limits.maxBodyBytes} bytes`)
    if (declaresMoreThan(request.headers, limits.maxBodyBytes)) return tooLarge()
    const body = yield* readBoundedText(request.body, { maxBytes: limits.maxBodyBytes, timeoutMs: limits.bodyTimeoutMs })
    switch (body._tag) {
      case "TooLarge":
        return tooLarge()
      case "TimedOut":
        return refuse(408, "RequestTimeout", `the body was not received within ${limits.bodyTimeoutMs} ms`)
      case "Failed":
        return refuse(400, "InvalidRequest", "the body could not be read")
    }
    const parsed = Schema.decodeUnknownOption(Schema.parseJson(NotificationCollection))(body.text)
    if (Option.isNone(parsed)) return refuse(400, "InvalidRequest", "the body is not a Graph notification collection ({ value: [...] })")
    const items = parsed.value.value
    if (items.length === 0) return empty(202)
    if (items.length > limits.maxItems) {
      return refuse(400, "InvalidRequest", `a notification post carries at most ${limits.maxItems} items, not ${items.length}`)
    }
    const subscriptionIds = [...new Set(items.map((item) => item.subscriptionId))]
    if (subscriptionIds.length > limits.maxSubscriptions) {
      return refuse(400, "InvalidRequest", `a notification post names at most ${limits.maxSubscriptions} subscriptions, not ${subscriptionIds.length}`)
    }

    const found = yield* Effect.forEach(
      subscriptionIds,
      (id) => Effect.map(deps.findChannel("microsoft", id), (channel) => [id, channel] as const),
      { concurrency: LOOKUP_CONCURRENCY }
    )
    const channels = new Map(found)
    const accepted = new Map<string, { channel: PushChannel; keys: Array<string> }>()
    const tokens = new Map<string, string>()
    for (const item of items) {
      const channel = channels.get(item.subscriptionId) ?? Option.none()
      if (Option.isNone(channel)) continue
      const connectorId = channel.value.connectorId
      const expected = tokens.get(connectorId) ?? (yield* Effect.promise(() => pushChannelToken(deps.secret!, "microsoft", connectorId)))
      tokens.set(connectorId, expected)
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
