import { Layer } from "effect"
import type { DeadLetters } from "../services/DeadLetters"
import type { Notifier } from "../services/Notifier"
import { CloudflareEnv, type Env } from "./CloudflareEnv"
import { D1Live } from "./D1Live"
import { DeadLettersLive } from "./DeadLettersLive"
import { DeliveriesRepoLive } from "./DeliveriesRepoLive"
import { DmChannelLive } from "./DmChannelLive"
import { EmailChannelLive } from "./EmailChannelLive"
import { IcsStoreLive } from "./IcsStoreLive"
import { NotifierLive } from "./NotifierLive"
import { TokenVaultLive } from "./TokenVaultLive"
import { WebhookChannelLive } from "./WebhookChannelLive"
import { WebhookSubscriptionsRepoLive } from "./WebhookSubscriptionsRepoLive"

/** The notify worker's service graph over one `env`: build it once per env (src/entry/notify.ts caches it). */
export const notifyLayer = (env: Env): Layer.Layer<Notifier | DeadLetters> => {
  const data = Layer.mergeAll(DeliveriesRepoLive, WebhookSubscriptionsRepoLive).pipe(Layer.provide(D1Live))
  const stores = Layer.mergeAll(data, IcsStoreLive, TokenVaultLive)
  const channels = Layer.mergeAll(EmailChannelLive, WebhookChannelLive, DmChannelLive).pipe(Layer.provide(stores))
  return Layer.mergeAll(NotifierLive.pipe(Layer.provide(Layer.merge(channels, data))), DeadLettersLive).pipe(
    Layer.provide(CloudflareEnv.layer(env))
  )
}
