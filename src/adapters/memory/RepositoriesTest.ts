import { Layer } from "effect"
import { HostSettingsRepoTest } from "./HostSettingsRepoTest"
import type { Repositories } from "../../services/Repositories"
import { AuditEventsRepoTest } from "./AuditEventsRepoTest"
import { BookingRequestsRepoTest } from "./BookingRequestsRepoTest"
import { BookingsRepoTest } from "./BookingsRepoTest"
import { ConnectorsRepoTest } from "./ConnectorsRepoTest"
import { FirehoseCursorsRepoTest } from "./FirehoseCursorsRepoTest"
import { IdempotencyKeysRepoTest } from "./IdempotencyKeysRepoTest"
import { JtiLedgerTest } from "./JtiLedgerTest"
import { OffersRepoTest } from "./OffersRepoTest"
import { EventTypesRepoTest } from "./EventTypesRepoTest"
import { UsersRepoTest } from "./UsersRepoTest"

/** All repositories in memory; every build starts empty. */
export const RepositoriesTest: Layer.Layer<Repositories> = Layer.mergeAll(
  UsersRepoTest,
  OffersRepoTest,
  EventTypesRepoTest,
  BookingRequestsRepoTest,
  BookingsRepoTest,
  AuditEventsRepoTest,
  IdempotencyKeysRepoTest,
  JtiLedgerTest,
  FirehoseCursorsRepoTest,
  ConnectorsRepoTest,
  HostSettingsRepoTest
)
