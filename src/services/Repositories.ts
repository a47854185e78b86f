import type { AuditEventsRepo } from "./AuditEventsRepo"
import type { HostSettingsRepo } from "./HostSettingsRepo"
import type { BookingRequestsRepo } from "./BookingRequestsRepo"
import type { BookingsRepo } from "./BookingsRepo"
import type { ConnectorsRepo } from "./ConnectorsRepo"
import type { FirehoseCursorsRepo } from "./FirehoseCursorsRepo"
import type { IdempotencyKeysRepo } from "./IdempotencyKeysRepo"
import type { JtiLedger } from "./JtiLedger"
import type { OffersRepo } from "./OffersRepo"
import type { EventTypesRepo } from "./EventTypesRepo"
import type { UsersRepo } from "./UsersRepo"

/** Every D1 repository: what `RepositoriesLive` and `RepositoriesTest` provide. */
export type Repositories =
  | UsersRepo
  | OffersRepo
  | EventTypesRepo
  | BookingRequestsRepo
  | BookingsRepo
  | AuditEventsRepo
  | IdempotencyKeysRepo
  | JtiLedger
  | FirehoseCursorsRepo
  | ConnectorsRepo
  | HostSettingsRepo
