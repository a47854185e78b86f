import { Layer } from "effect"
import { HostSettingsRepoLive } from "./HostSettingsRepoLive"
import type { Repositories } from "../../services/Repositories"
import { AuditEventsRepoLive } from "./AuditEventsRepoLive"
import { BookingRequestsRepoLive } from "./BookingRequestsRepoLive"
import { BookingsRepoLive } from "./BookingsRepoLive"
import type { CloudflareEnv } from "../../platform/CloudflareEnv"
import { ConnectorsRepoLive } from "./ConnectorsRepoLive"
import { D1Live } from "./D1Live"
import { FirehoseCursorsRepoLive } from "./FirehoseCursorsRepoLive"
import { IdempotencyKeysRepoLive } from "./IdempotencyKeysRepoLive"
import { JtiLedgerLive } from "./JtiLedgerLive"
import { OffersRepoLive } from "./OffersRepoLive"
import { EventTypesRepoLive } from "./EventTypesRepoLive"
import { UsersRepoLive } from "./UsersRepoLive"

/** All repositories over the worker's D1 binding. */
export const RepositoriesLive: Layer.Layer<Repositories, never, CloudflareEnv> = Layer.mergeAll(
  UsersRepoLive,
  OffersRepoLive,
  EventTypesRepoLive,
  BookingRequestsRepoLive,
  BookingsRepoLive,
  AuditEventsRepoLive,
  IdempotencyKeysRepoLive,
  JtiLedgerLive,
  FirehoseCursorsRepoLive,
  ConnectorsRepoLive,
  HostSettingsRepoLive
).pipe(Layer.provide(D1Live))
