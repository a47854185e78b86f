import { Effect, Layer } from "effect"
import { UserCachesLive } from "../adapters/atproto/UserCachesLive"
import { TokenVaultLive } from "../adapters/crypto/TokenVaultLive"
import { D1Live } from "../adapters/d1/D1Live"
import { BookingNotesLive } from "../adapters/d1/BookingNotesLive"
import { NotifySettingsLive } from "../adapters/d1/NotifySettingsLive"
import { UserDataStoreLive } from "../adapters/d1/UserDataStoreLive"
import { ExportStoreLive } from "../adapters/r2/ExportStoreLive"
import { deleteAccount } from "../features/account/deleteAccount"
import { CloudflareEnv, type Env } from "../platform/CloudflareEnv"
import { AccountDeletion } from "../services/AccountDeletion"
import type { HostObjectRecords } from "../services/HostObjectRecords"
import type { AtprotoSessions } from "../services/AtprotoSessions"
import type { BookingRequestsRepo } from "../services/BookingRequestsRepo"
import type { BookingLifecycle } from "../services/BookingLifecycle"
import type { BookingsRepo } from "../services/BookingsRepo"
import type { ConnectorsRepo } from "../services/ConnectorsRepo"
import type { ExportStore } from "../services/ExportStore"
import type { IdempotencyKeysRepo } from "../services/IdempotencyKeysRepo"
import type { UserCaches } from "../services/UserCaches"
import type { UserConnectors } from "../services/UserConnectors"
import type { UserDataStore } from "../services/UserDataStore"
import type { UsersRepo } from "../services/UsersRepo"
import type { WebSessions } from "../services/WebSessions"

/**
 * Account export and deletion's services (src/features/account): the registry-driven D1 store, R2 exports and the
 * notification settings and booking notes the export opens through the TokenVault.
 */
export const accountLayer = (env: Env) => {
  const root = CloudflareEnv.layer(env)
  const notifySettings = Layer.merge(NotifySettingsLive, BookingNotesLive).pipe(Layer.provide(Layer.merge(D1Live, TokenVaultLive)), Layer.provide(root))
  return Layer.mergeAll(root, UserDataStoreLive, ExportStoreLive, notifySettings).pipe(Layer.provide(root))
}

/** What account deletion reaches: every store that holds a person's data, through its service. */
export type AccountDeletionNeeds =
  | HostObjectRecords
  | AtprotoSessions
  | BookingRequestsRepo
  | BookingLifecycle
  | BookingsRepo
  | ConnectorsRepo
  | ExportStore
  | IdempotencyKeysRepo
  | UserCaches
  | UserConnectors
  | UserDataStore
  | UsersRepo
  | WebSessions

/** `AccountDeletion` by the account feature's `deleteAccount`, over the services the graph gives it. */
export const AccountDeletionLive: Layer.Layer<AccountDeletion, never, AccountDeletionNeeds> = Layer.effect(
  AccountDeletion,
  Effect.map(Effect.context<AccountDeletionNeeds>(), (context) =>
    AccountDeletion.of({ deleteAccount: (did, cause) => Effect.provide(deleteAccount(did, cause), context) }))
)

export { UserCachesLive }
