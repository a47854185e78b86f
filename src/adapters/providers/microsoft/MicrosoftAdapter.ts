import { HttpClient } from "@effect/platform"
import { Effect, Option } from "effect"
import type { Connector } from "../../../services/ConnectorsRepo"
import type { ProviderAdapter, PushHooks } from "../../../services/ProviderAdapters"
import { graphMailboxAddress } from "../ProviderAccounts"
import { apiOptionsFor } from "../providerHttp"
import { createGraphSubscription, deleteGraphSubscription, GRAPH_EVENT_SUBSCRIPTION_MAX_MS, renewGraphSubscription } from "./GraphPush"
import { type GraphApi, makeGraphApi, makeMicrosoftCalendar } from "./MicrosoftCalendar"

/** Outlook allows 4 requests in flight per mailbox. */
export const GRAPH_MAILBOX_CONCURRENCY = 4
/** Subscriptions are asked for their longest life, less five minutes of margin. */
const SUBSCRIPTION_TTL_MS = GRAPH_EVENT_SUBSCRIPTION_MAX_MS - 5 * 60_000
/** The one resource a connector subscribes to: the mailbox's default calendar. */
const MAILBOX_EVENTS = "me/events"

export interface MicrosoftAdapterOptions {
  /** Default https://graph.microsoft.com/v1.0 (env GRAPH_API_BASE). */
  readonly apiBase: string | undefined
}

/** One Graph subscription on the mailbox's events; renewing extends it, a gone one is opened again. */
const graphPush = (api: GraphApi): PushHooks => ({
  provider: "microsoft",
  resources: [MAILBOX_EVENTS],
  open: (resource, { addresses, now, token }) =>
    createGraphSubscription(api, {
      resource,
      notificationUrl: addresses.microsoft,
      lifecycleNotificationUrl: addresses.microsoftLifecycle,
      clientState: token,
      expiresAt: now + SUBSCRIPTION_TTL_MS
    }).pipe(Effect.map((info) => ({ channelId: info.subscriptionId, resourceId: undefined, expiresAt: info.expiresAt }))),
  // Gone at Graph, or the renewal failed: None, so a new subscription is opened.
  renew: (channel, { now }) =>
    renewGraphSubscription(api, channel.channelId, now + SUBSCRIPTION_TTL_MS).pipe(
      Effect.option,
      Effect.map(Option.map((info) => ({ channelId: channel.channelId, resourceId: channel.resourceId, expiresAt: info.expiresAt })))
    ),
  stop: (channel) => deleteGraphSubscription(api, channel.channelId)
})

const schedulesOf = (row: Connector) => (row.accountRef === null ? [] : [row.accountRef])

/** Microsoft Graph: OAuth (no per-grant revocation), getSchedule on the mailbox, one subscription. */
export const makeMicrosoftAdapter = (options: MicrosoftAdapterOptions): ProviderAdapter => ({
  provider: "microsoft",
  signIn: { kind: "oauth", provider: "microsoft", revokesGrant: false },
  quota: { kind: "concurrent", permits: GRAPH_MAILBOX_CONCURRENCY },
  changeFeed: "push",
  open: ({ accessToken, http, row }) =>
    Effect.gen(function*() {
      const apiOptions = apiOptionsFor(row.id, accessToken, options.apiBase)
      const api = yield* makeGraphApi(apiOptions)
      const calendar = yield* makeMicrosoftCalendar({ ...apiOptions, schedules: schedulesOf(row) })
      // The mailbox's one calendar, unticked by its owner (connector.setCalendars): holds still go there, nothing blocks.
      const blocks = row.calendars.every((c) => c.checkBusy)
      return {
        ...calendar,
        ...(blocks ? {} : { busy: () => Effect.succeed([]) }),
        /** The mailbox address names the account; its one calendar always counts. */
        discover: () =>
          Effect.map(graphMailboxAddress(api), (address) => ({
            accountRef: address,
            calendars: [{ id: "calendar", name: "Calendar", primary: true, checkBusy: true }]
          })),
        push: graphPush(api)
      }
    }).pipe(Effect.provideService(HttpClient.HttpClient, http))
})
