import { FetchHttpClient } from "@effect/platform"
import { Layer } from "effect"
import type { DeadLetters } from "../services/DeadLetters"
import type { Notifier } from "../services/Notifier"
import { CloudflareEnv, type Env } from "../platform/CloudflareEnv"
import { D1Live } from "../adapters/d1/D1Live"
import { DeadLettersLive } from "../adapters/queues/DeadLettersLive"
import { DeliveriesRepoLive } from "../adapters/d1/DeliveriesRepoLive"
import { DmChannelLive } from "../adapters/channels/DmChannelLive"
import { EmailChannelLive } from "../adapters/channels/EmailChannelLive"
import { IcsStoreLive } from "../adapters/r2/IcsStoreLive"
import { NotifierLive } from "../features/notify/NotifierLive"
import { TokenVaultLive } from "../adapters/crypto/TokenVaultLive"
import { WebhookChannelLive } from "../adapters/channels/WebhookChannelLive"
import { WebhookSubscriptionsRepoLive } from "../adapters/d1/WebhookSubscriptionsRepoLive"
import { OutboundGuardLive } from "../adapters/http/OutboundGuardLive"
import { ActionLinksLive } from "../adapters/d1/ActionLinksLive"
import { NotifySettingsLive } from "../adapters/d1/NotifySettingsLive"
import { IdentityResolverLive } from "../adapters/atproto/IdentityResolverLive"
import { PeopleNamesLive } from "../adapters/atproto/PeopleNamesLive"

/** The notify worker's service graph over one `env`: build it once per env (src/entry/notify.ts caches it). */
export const notifyLayer = (env: Env): Layer.Layer<Notifier | DeadLetters> => {
  const data = Layer.mergeAll(DeliveriesRepoLive, WebhookSubscriptionsRepoLive).pipe(Layer.provide(D1Live))
  // webhook targets are checked again before each delivery (never to a private, loopback or metadata address)
  const outbound = OutboundGuardLive.pipe(Layer.provide(FetchHttpClient.layer))
  // people's sealed addresses and preferences, and the signed one-click links, both over D1 and the vault
  const people = Layer.mergeAll(NotifySettingsLive, ActionLinksLive).pipe(Layer.provide(Layer.merge(D1Live, TokenVaultLive)))
  const stores = Layer.mergeAll(data, IcsStoreLive, TokenVaultLive, outbound, people)
  const channels = Layer.mergeAll(EmailChannelLive, WebhookChannelLive, DmChannelLive).pipe(Layer.provide(stores))
  // both people's names (handle, profile display name) for messages and invitations, resolved when sent
  const names = PeopleNamesLive.pipe(Layer.provide(IdentityResolverLive.pipe(Layer.provide(FetchHttpClient.layer))))
  return Layer.mergeAll(NotifierLive.pipe(Layer.provide(Layer.mergeAll(channels, data, names))), DeadLettersLive).pipe(
    Layer.provide(CloudflareEnv.layer(env))
  )
}
