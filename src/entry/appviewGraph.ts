import { FetchHttpClient } from "@effect/platform"
import { Layer } from "effect"
import { CloudflareEnv, type Env } from "../platform/CloudflareEnv"
import { HostObjectRecordsLive, HoldStoreLive } from "../adapters/objects/HoldStoreLive"
import { BookingLifecycleLive } from "../adapters/objects/BookingLifecycleLive"
import { IdentityResolverLive } from "../adapters/atproto/IdentityResolverLive"
import { RepositoriesLive } from "../adapters/d1/RepositoriesLive"
import { ServiceAuthLive } from "../adapters/atproto/ServiceAuthLive"
import { AnalyticsLive } from "../adapters/analytics/AnalyticsLive"
import { RateLimiterLive } from "../adapters/objects/RateLimiterLive"
import { SocialGraphLive } from "../adapters/atproto/SocialGraphLive"
import { TurnstileLive } from "../adapters/http/TurnstileLive"
import { indexerLayer } from "./indexerGraph"
import { connectorServices } from "./connectorsGraph"
import { D1Live } from "../adapters/d1/D1Live"
import { WebhookSubscriptionsRepoLive } from "../adapters/d1/WebhookSubscriptionsRepoLive"
import { OutboundGuardLive } from "../adapters/http/OutboundGuardLive"
import { UserDataStoreLive } from "../adapters/d1/UserDataStoreLive"
import { ExportStoreLive } from "../adapters/r2/ExportStoreLive"
import { WebSessionsLive } from "../adapters/d1/WebSessionsLive"
import { AccountSettingsLive } from "../adapters/d1/AccountSettingsLive"
import { AtprotoSessionsLive } from "../adapters/objects/AtprotoSessionsLive"
import { AtprotoSignInLive } from "../adapters/atproto/AtprotoSignInLive"
import { TokenVaultLive } from "../adapters/crypto/TokenVaultLive"
import { NotifySealedValuesLive } from "../adapters/d1/NotifySealedValuesLive"
import { DeadLetterSealedValuesLive } from "../adapters/d1/DeadLetterSealedValuesLive"
import { BookingNotesLive } from "../adapters/d1/BookingNotesLive"
import { BookingNoteSealedValuesLive } from "../adapters/d1/BookingNoteSealedValuesLive"
import { NotifySettingsLive } from "../adapters/d1/NotifySettingsLive"
import { ActionLinksLive } from "../adapters/d1/ActionLinksLive"
import { EmailVerificationsLive } from "../adapters/queues/EmailVerificationsLive"
import { RemindersLive } from "../adapters/d1/RemindersLive"
import { NotifyOutboxLive } from "../adapters/queues/NotifyOutboxLive"
import { AccountDeletionLive, UserCachesLive } from "./accountGraph"
import { PdsWriterLive } from "../adapters/atproto/PdsWriterLive"
import { RepoReaderLive } from "../adapters/atproto/RepoReaderLive"

/** The AppView's service graph over the worker's bindings: built once per `env`. */
export const appviewLayer = (env: Env) => {
  const root = CloudflareEnv.layer(env)
  const repositories = RepositoriesLive.pipe(Layer.provide(root))
  const identity = IdentityResolverLive.pipe(Layer.provide(Layer.merge(root, FetchHttpClient.layer)))
  const auth = ServiceAuthLive.pipe(Layer.provide(Layer.mergeAll(root, identity, repositories)))
  const holds = HoldStoreLive.pipe(Layer.provide(root))
  const rateLimiter = RateLimiterLive.pipe(Layer.provide(root))
  const graph = SocialGraphLive.pipe(Layer.provide(Layer.merge(root, FetchHttpClient.layer)))
  const turnstile = TurnstileLive.pipe(Layer.provide(Layer.merge(root, FetchHttpClient.layer)))
  const analytics = AnalyticsLive.pipe(Layer.provide(root))
  const connectors = connectorServices(env, repositories)
  const lifecycle = BookingLifecycleLive.pipe(Layer.provide(root))
  // app.overlap.webhook.* (src/features/webhooks/SubscriptionsHttp.ts): the subscriptions repo; root for ENVIRONMENT
  const webhookSubscriptions = WebhookSubscriptionsRepoLive.pipe(Layer.provide(D1Live.pipe(Layer.provide(root))))
  // webhook targets (and CalDAV servers) may not resolve to private, loopback or metadata addresses
  const outbound = OutboundGuardLive.pipe(Layer.provide(Layer.merge(root, FetchHttpClient.layer)))
  // sign-in (docs/signin.md): browser sessions and settings in D1, the atproto session in each person's SessionDO
  const atprotoSessions = AtprotoSessionsLive.pipe(Layer.provide(root))
  const signIn = Layer.mergeAll(
    WebSessionsLive,
    AccountSettingsLive,
    atprotoSessions,
    AtprotoSignInLive.pipe(Layer.provide(Layer.mergeAll(TokenVaultLive.pipe(Layer.provide(root)), identity, atprotoSessions)))
  ).pipe(Layer.provide(root))
  // app.overlap.host.* (docs/signin.md): a person's own offers and event types, written through their SessionDO and
  // listed from their repo at their PDS
  const ownRecords = Layer.merge(
    PdsWriterLive.pipe(Layer.provide(atprotoSessions)),
    RepoReaderLive.pipe(Layer.provide(Layer.merge(identity, FetchHttpClient.layer)))
  )
  // account export (docs/operations.md): the registry-driven D1 reads and the R2 export files
  const accountData = Layer.merge(UserDataStoreLive, ExportStoreLive).pipe(Layer.provide(root))
  // account deletion (docs/operations.md): every store's service, driven by the user-data registry
  const accountDeletion = AccountDeletionLive.pipe(
    Layer.provide(Layer.mergeAll(accountData, signIn, repositories, lifecycle, connectors, UserCachesLive.pipe(Layer.provide(root)), HostObjectRecordsLive.pipe(Layer.provide(root))))
  )
  // notifications (docs/notifications.md): sealed addresses and preferences, the one-click links, verification mails
  // and the reminder cron's reads, ledger and outbox
  // (NotifySealedValues: the same ciphertexts as the vault key ring's rotation and in-use check see them); guests'
  // sealed notes to hosts (BookingNotes, docs/booking-notes.md) and the key ring's view of them
  const notify = Layer.mergeAll(NotifySettingsLive, NotifySealedValuesLive, DeadLetterSealedValuesLive, BookingNotesLive, BookingNoteSealedValuesLive, ActionLinksLive, EmailVerificationsLive, RemindersLive, NotifyOutboxLive).pipe(
    Layer.provide(Layer.mergeAll(D1Live, TokenVaultLive, webhookSubscriptions).pipe(Layer.provideMerge(root)))
  )
  return Layer.mergeAll(
    root,
    accountData,
    accountDeletion,
    signIn,
    ownRecords,
    repositories,
    identity,
    auth,
    indexerLayer(env),
    holds,
    rateLimiter,
    graph,
    turnstile,
    analytics,
    connectors,
    lifecycle,
    webhookSubscriptions,
    outbound,
    notify
  )
}
