import { Effect, Either } from "effect"
import { generateWebhookSecret } from "../domain/notify/standardWebhooks"
import { checkWebhookUrl, type WebhookUrlPolicy } from "../domain/notify/webhookUrl"
import type { RepositoryError } from "./RepositoryError"
import { OutboundGuard } from "./OutboundGuard"
import { TokenVault, type VaultDecryptFailed, type VaultKeyError } from "./TokenVault"
import { type TokenBinding } from "../domain/tokenVault/tokenBinding"
import {
  type SubscriptionNotFound,
  type TooManySubscriptions,
  type WebhookSubscription,
  WebhookSubscriptionsRepo
} from "./WebhookSubscriptionsRepo"
import { ApiError } from "./ApiError"

/**
 * The operations behind app.overlap.webhook.createSubscription / listSubscriptions / deleteSubscription
 * (the XRPC handlers map the caller's DID and the errors). The secret is returned by `createSubscription`
 * only; afterwards it exists only as TokenVault ciphertext.
 */

/** The URL is not acceptable for a webhook (the message says why; it names the `url` field). */
export class InvalidWebhookUrl extends ApiError<InvalidWebhookUrl>()("InvalidWebhookUrl", 400) {}

/** What listSubscriptions shows (app.overlap.webhook.defs#subscriptionView): never the secret. */
export interface WebhookSubscriptionView {
  readonly id: string
  readonly url: string
  readonly createdAt: string
  readonly disabled: boolean
  readonly disabledReason?: string
}

export const toSubscriptionView = (s: WebhookSubscription): WebhookSubscriptionView => ({
  id: s.id,
  url: s.url,
  createdAt: new Date(s.createdAt).toISOString(),
  disabled: s.disabledAt !== null,
  ...(s.disabledReason !== null ? { disabledReason: s.disabledReason } : {})
})

/** What a subscription's secret is bound to in the TokenVault: a ciphertext moved to another row does not open. */
export const webhookSecretBinding = (s: { readonly did: string; readonly id: string }): TokenBinding => ({
  did: s.did,
  provider: "webhook",
  connectorId: s.id
})

const newSubscriptionId = (): string => `wh_${crypto.randomUUID().replaceAll("-", "")}`

export const createSubscription = (
  did: string,
  url: string,
  policy: WebhookUrlPolicy = { allowInsecure: false }
): Effect.Effect<
  { readonly id: string; readonly secret: string; readonly subscription: WebhookSubscriptionView },
  InvalidWebhookUrl | TooManySubscriptions | VaultKeyError | RepositoryError,
  WebhookSubscriptionsRepo | TokenVault | OutboundGuard
> =>
  Effect.gen(function*() {
    const checked = yield* Either.mapLeft(checkWebhookUrl(url, policy), (message) => new InvalidWebhookUrl({ message }))
    // where the name resolves, outside development: never to a private, loopback or metadata address
    const outbound = yield* OutboundGuard
    yield* outbound.check(checked).pipe(Effect.mapError((refused) => new InvalidWebhookUrl({ message: refused.message })))
    const repo = yield* WebhookSubscriptionsRepo
    const vault = yield* TokenVault
    const id = newSubscriptionId()
    const secret = generateWebhookSecret()
    const sealed = yield* vault.encrypt(secret, webhookSecretBinding({ did, id }))
    const row = yield* repo.create({ id, did, url: checked, secretCiphertext: sealed.ciphertext, keyId: sealed.keyId })
    return { id, secret, subscription: toSubscriptionView(row) }
  })

export const listSubscriptions = (
  did: string
): Effect.Effect<ReadonlyArray<WebhookSubscriptionView>, RepositoryError, WebhookSubscriptionsRepo> =>
  Effect.flatMap(WebhookSubscriptionsRepo, (repo) => Effect.map(repo.listForDid(did), (rows) => rows.map(toSubscriptionView)))

export const deleteSubscription = (
  did: string,
  id: string
): Effect.Effect<void, SubscriptionNotFound | RepositoryError, WebhookSubscriptionsRepo> =>
  Effect.flatMap(WebhookSubscriptionsRepo, (repo) => repo.delete(did, id))

/** The signing secret of a stored subscription (the webhook sender's view). */
export const openSecret = (
  subscription: WebhookSubscription
): Effect.Effect<string, VaultDecryptFailed | VaultKeyError, TokenVault> =>
  Effect.flatMap(TokenVault, (vault) => vault.decrypt(subscription.secretCiphertext, webhookSecretBinding(subscription)))
