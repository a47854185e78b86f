import { makeBookingNotesTest } from "../../src/adapters/memory/BookingNotesTest"
import { AccountSettings } from "../../src/services/AccountSettings"
import { AccountDeletion } from "../../src/services/AccountDeletion"
import { NotifySettings } from "../../src/services/NotifySettings"
import { EmailVerifications } from "../../src/services/EmailVerifications"
import { ExportStore } from "../../src/services/ExportStore"
import { UserDataStore } from "../../src/services/UserDataStore"
import { WebSessions } from "../../src/services/WebSessions"
import { Secp256k1Keypair } from "@atproto/crypto"
import { Layer } from "effect"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { makeDidDocument, makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { ServiceAuthLive } from "../../src/adapters/atproto/ServiceAuthLive"
import { makeTestLayer } from "../../src/platform/testing"
import { Analytics } from "../../src/services/Analytics"
import { BookingLifecycle } from "../../src/services/BookingLifecycle"
import { BookingsRepo } from "../../src/services/BookingsRepo"
import { CalendarProvider } from "../../src/services/CalendarProvider"
import { ConnectorsRepo } from "../../src/services/ConnectorsRepo"
import { HoldStore } from "../../src/services/HoldStore"
import { IdempotencyKeysRepo } from "../../src/services/IdempotencyKeysRepo"
import { IdentityResolver } from "../../src/services/IdentityResolver"
import type { JtiLedger } from "../../src/services/JtiLedger"
import { OAuthClient } from "../../src/services/OAuthClient"
import { OutboundGuard } from "../../src/services/OutboundGuard"
import { OffersRepo } from "../../src/services/OffersRepo"
import { RateLimiter } from "../../src/services/RateLimiter"
import { ServiceAuth } from "../../src/services/ServiceAuth"
import { SocialGraph } from "../../src/services/SocialGraph"
import { TokenVault } from "../../src/services/TokenVault"
import { Turnstile } from "../../src/services/Turnstile"
import { UserConnectors } from "../../src/services/UserConnectors"
import { WebhookSubscriptionsRepo } from "../../src/services/WebhookSubscriptionsRepo"
import { PdsWriter } from "../../src/services/PdsWriter"
import { RepoReader } from "../../src/services/RepoReader"

export const APPVIEW_DID = "did:web:overlap.test"
export const AUDIENCE = `${APPVIEW_DID}#overlap_appview`

export const testVars = {
  APPVIEW_DID,
  APPVIEW_SERVICE_ID: "#overlap_appview",
  PLC_URL: "http://127.0.0.1:9",
  DOH_URL: "http://127.0.0.1:9/dns-query",
  BSKY_APPVIEW_URL: "http://127.0.0.1:9",
  ENVIRONMENT: "test"
} as const

const b64url = (bytes: Uint8Array | string) =>
  Buffer.from(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes).toString("base64url")

/** An atproto account a test controls: a did:plc with a secp256k1 `#atproto` key that signs service-auth tokens. */
export interface TestAccount {
  readonly did: string
  readonly keypair: Secp256k1Keypair
  /** A service-auth JWT for `lxm`, signed with this account's key (fresh jti each call). */
  readonly token: (lxm: string, overrides?: Record<string, unknown>) => Promise<string>
}

let seq = 0
export const makeAccount = async (name: string): Promise<TestAccount> => {
  const keypair = await Secp256k1Keypair.create({ exportable: false })
  const did = `did:plc:${name.padEnd(24, "x").slice(0, 24)}`
  const token = async (lxm: string, overrides: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000)
    const header = b64url(JSON.stringify({ typ: "JWT", alg: "ES256K" }))
    const payload = b64url(JSON.stringify({ iss: did, aud: AUDIENCE, lxm, iat: now, exp: now + 60, jti: `jti-${++seq}-${Math.random()}`, ...overrides }))
    const signature = await keypair.sign(new TextEncoder().encode(`${header}.${payload}`))
    return `${header}.${payload}.${b64url(signature)}`
  }
  return { did, keypair, token }
}

/** ServiceAuth over in-memory identities for these accounts, plus whatever ledger the caller supplies. */
export const serviceAuthFor = (accounts: ReadonlyArray<TestAccount>, env: Partial<Env> = {}) => {
  const root = CloudflareEnv.layer({ ...testVars, ...env } as unknown as Env)
  const identity: Layer.Layer<IdentityResolver> = makeIdentityResolverTest({
    documents: accounts.map((a) => makeDidDocument({ did: a.did, signingKey: a.keypair.did() }))
  })
  return (ledger: Layer.Layer<JtiLedger>) => ServiceAuthLive.pipe(Layer.provide(Layer.mergeAll(root, identity, ledger)))
}

/**
 * Every service the XRPC handlers need (`XrpcServices`) as a Test layer that dies on any call (`makeTestLayer`),
 * overridden by `services`: a test provides what it exercises, and a call to anything else fails loudly.
 */
export const withXrpcTestServices = <R, E>(services: Layer.Layer<R, E>) =>
  Layer.merge(
    Layer.mergeAll(
      makeTestLayer(AccountSettings)({}),
      makeTestLayer(AccountDeletion)({}),
      makeTestLayer(Analytics)({}),
      makeTestLayer(BookingLifecycle)({}),
      makeTestLayer(BookingsRepo)({}),
      makeTestLayer(CalendarProvider)({}),
      makeTestLayer(CloudflareEnv)({ ENVIRONMENT: testVars.ENVIRONMENT }),
      makeTestLayer(ConnectorsRepo)({}),
      makeTestLayer(HoldStore)({}),
      makeTestLayer(IdempotencyKeysRepo)({}),
      makeTestLayer(IdentityResolver)({}),
      makeTestLayer(OAuthClient)({}),
      makeTestLayer(OffersRepo)({}),
      makeTestLayer(OutboundGuard)({}),
      makeTestLayer(RateLimiter)({}),
      makeTestLayer(ServiceAuth)({}),
      makeTestLayer(SocialGraph)({}),
      makeTestLayer(TokenVault)({}),
      makeTestLayer(Turnstile)({}),
      makeTestLayer(UserConnectors)({}),
      makeTestLayer(WebhookSubscriptionsRepo)({}),
      makeTestLayer(WebSessions)({}),
      makeTestLayer(UserDataStore)({}),
      makeTestLayer(ExportStore)({}),
      makeTestLayer(NotifySettings)({}),
      makeBookingNotesTest(),
      makeTestLayer(EmailVerifications)({}),
      makeTestLayer(PdsWriter)({}),
      makeTestLayer(RepoReader)({})
    ),
    services
  )
