import { HttpApi } from "@effect/platform"
import { AccountDataApi } from "./account/AccountDataApi"
import { SessionApi } from "./signin/SessionApi"
import { BookingsApi } from "./bookings/BookingsApi"
import { LifecycleApi } from "./bookings/LifecycleApi"
import { ConnectorsApi } from "./connectors/ConnectorsApi"
import { MatchingApi } from "./matching/MatchingApi"
import { SettingsApi } from "./settings/SettingsApi"
import { SubscriptionsApi } from "./webhooks/SubscriptionsApi"
import { NotifyApi } from "./notify/NotifyApi"
import { HostRecordsApi } from "./hostRecords/HostRecordsApi"
import { InternalServerError } from "./xrpc/XrpcErrors"

/** The XRPC surface the AppView serves: one group per feature. Unlisted methods answer 501. */
export class OverlapApi extends HttpApi.make("overlap").add(BookingsApi).add(LifecycleApi).add(ConnectorsApi).add(MatchingApi).add(SubscriptionsApi).add(SettingsApi).add(SessionApi).add(AccountDataApi).add(NotifyApi).add(HostRecordsApi).addError(InternalServerError) {}
