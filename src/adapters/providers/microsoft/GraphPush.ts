import { Effect, Schema } from "effect"
import { MINUTE_MS } from "../../../domain/slots/civil"
import type { ProviderError } from "../../../services/CalendarProvider"
import type { GraphApi } from "./MicrosoftCalendar"
import { PushChannelGone } from "../PushErrors"

/**
 * Microsoft Graph change-notification subscriptions on the user's events.
 *
 *   POST   /subscriptions       { changeType, notificationUrl, lifecycleNotificationUrl?, resource, expirationDateTime, clientState }
 *                               → 201 { id, resource, changeType, expirationDateTime, … }   (Graph first POSTs ?validationToken= to the URL)
 *   PATCH  /subscriptions/{id}  { expirationDateTime }  → 200 { id, expirationDateTime, … };  404 = gone, create a new one
 *   DELETE /subscriptions/{id}                          → 204;  404 = already gone
 */

/** Outlook event subscriptions last at most 4230 minutes (just under 3 days) in every Graph version we target. */
export const GRAPH_EVENT_SUBSCRIPTION_MAX_MS = 4230 * MINUTE_MS

export interface GraphSubscriptionRequest {
  /** e.g. `me/events` (the default calendar) or `me/calendars/{id}/events`. */
  readonly resource: string
  readonly notificationUrl: string
  readonly lifecycleNotificationUrl?: string
  /** pushChannelToken(secret, "microsoft", connectorId). */
  readonly clientState: string
  readonly expiresAt: number
}

export interface GraphSubscriptionInfo {
  readonly subscriptionId: string
  readonly expiresAt: number
}

const Subscription = Schema.Struct({ id: Schema.String, expirationDateTime: Schema.String })

const info = (s: typeof Subscription.Type): GraphSubscriptionInfo => ({ subscriptionId: s.id, expiresAt: Date.parse(s.expirationDateTime) })

export const createGraphSubscription = (api: GraphApi, request: GraphSubscriptionRequest): Effect.Effect<GraphSubscriptionInfo, ProviderError> =>
  Effect.gen(function* () {
    const response = yield* api.call({
      method: "POST",
      url: `${api.base}/subscriptions`,
      json: {
        changeType: "created,updated,deleted",
        notificationUrl: request.notificationUrl,
        ...(request.lifecycleNotificationUrl === undefined ? {} : { lifecycleNotificationUrl: request.lifecycleNotificationUrl }),
        resource: request.resource,
        expirationDateTime: new Date(request.expiresAt).toISOString(),
        clientState: request.clientState
      }
    })
    if (response.status !== 201 && response.status !== 200) return yield* api.failure(response, "subscriptions.create")
    return info(yield* api.decode(Subscription, response, "subscriptions.create"))
  })

/** Extends a subscription; PushChannelGone when Graph no longer has it (then create a new one). */
export const renewGraphSubscription = (
  api: GraphApi,
  subscriptionId: string,
  expiresAt: number
): Effect.Effect<GraphSubscriptionInfo, ProviderError | PushChannelGone> =>
  Effect.gen(function* () {
    const response = yield* api.call({
      method: "PATCH",
      url: `${api.base}/subscriptions/${encodeURIComponent(subscriptionId)}`,
      json: { expirationDateTime: new Date(expiresAt).toISOString() }
    })
    if (response.status === 404) return yield* new PushChannelGone({ provider: "microsoft", channelId: subscriptionId })
    if (response.status !== 200) return yield* api.failure(response, "subscriptions.update")
    return info(yield* api.decode(Subscription, response, "subscriptions.update"))
  })

export const deleteGraphSubscription = (api: GraphApi, subscriptionId: string): Effect.Effect<void, ProviderError> =>
  Effect.gen(function* () {
    const response = yield* api.call({ method: "DELETE", url: `${api.base}/subscriptions/${encodeURIComponent(subscriptionId)}` })
    if (response.status === 204 || response.status === 200 || response.status === 404) return
    return yield* api.failure(response, "subscriptions.delete")
  })
