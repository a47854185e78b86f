import type { Effect } from "effect"
import type { MeetingDetails } from "../domain/booking/meetingPlace"
import type {
  ConnectorBroken,
  HoldGone,
  HoldRef,
  HoldRequest,
  Interval,
  ProviderError,
  ProviderUnavailable
} from "./CalendarProvider"

/**
 * The five CalendarProvider operations for ONE connector (one provider account of one user), so no `did`
 * argument: UserConnectorDO owns one of these per connector and answers CalendarProvider for the user by
 * merging them.
 */
export interface ConnectorCalendar {
  readonly busy: (range: Interval) => Effect.Effect<ReadonlyArray<Interval>, ProviderError>
  readonly placeHold: (hold: HoldRequest) => Effect.Effect<HoldRef, ProviderError>
  readonly confirmHold: (ref: HoldRef, meeting?: MeetingDetails) => Effect.Effect<HoldRef, ProviderError | HoldGone>
  readonly moveHold: (ref: HoldRef, to: Interval) => Effect.Effect<HoldRef, ProviderError | HoldGone>
  readonly releaseHold: (ref: HoldRef) => Effect.Effect<void, ProviderError>
}

/**
 * The connector's current access token. `forceRefresh: true` means "the provider just refused the one you
 * gave me (401): refresh now". UserConnectorDO supplies it and serializes refreshes (single-use refresh
 * tokens); `invalid_grant` surfaces here as ConnectorBroken.
 */
export type AccessTokenGetter = (forceRefresh: boolean) => Effect.Effect<string, ConnectorBroken | ProviderUnavailable>
