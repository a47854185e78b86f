import { Effect, Layer, Schema } from "effect"
import { HoldRef, ProviderUnavailable } from "../../services/CalendarProvider"
import { MeetingDetailsSchema } from "../../domain/booking/meetingPlace"
import {
  ActivateReply,
  BusyReply,
  ChangedReply,
  ConflictsReply,
  ConnectCaldavReply,
  ExistingHoldReply,
  HoldReply,
  MaintainReply,
  ReleaseReply,
  RemoveReply,
  UserConnectors
} from "../../services/UserConnectors"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { objectRpc } from "./objectRpc"

/** An object that cannot be reached, or answers what does not decode, is ProviderUnavailable. */
const call = objectRpc(({ method, problem, cause }) =>
  new ProviderUnavailable({
    provider: "overlap",
    cause: new Error(problem === "failed"
      ? `UserConnectorDO.${method} failed: ${String(cause)}`
      : `UserConnectorDO.${method}: unexpected reply: ${cause instanceof Error ? cause.message : String(cause)}`)
  }))

/**
 * `UserConnectors` over the `USER_CONNECTOR` Durable Object namespace: one object per user DID
 * (`idFromName(did)`). Replies come back encoded and are decoded here into the service's tagged errors; an
 * object that cannot be reached is ProviderUnavailable (retryable, never "free").
 */
export const UserConnectorsLive: Layer.Layer<UserConnectors, never, CloudflareEnv> = Layer.effect(
  UserConnectors,
  Effect.map(CloudflareEnv, (env) => {
    const namespace = env.USER_CONNECTOR
    const stub = (did: string) => namespace.get(namespace.idFromName(did))

    const encodeRef = Schema.encodeSync(HoldRef)
    const encodeMeeting = Schema.encodeSync(MeetingDetailsSchema)

    return UserConnectors.of({
      busy: (did, range) => call(BusyReply, "busy", () => stub(did).busy(did, { start: range.start, end: range.end })),
      placeHold: (did, hold) =>
        call(HoldReply, "placeHold", () =>
          stub(did).placeHold(did, { bookingId: hold.bookingId, start: hold.start, end: hold.end, tz: hold.tz, summary: hold.summary })),
      confirmHold: (did, ref, meeting) =>
        call(ExistingHoldReply, "confirmHold", () => stub(did).confirmHold(did, encodeRef(ref), meeting === undefined ? undefined : encodeMeeting(meeting))),
      moveHold: (did, ref, to) => call(ExistingHoldReply, "moveHold", () => stub(did).moveHold(did, encodeRef(ref), { start: to.start, end: to.end })),
      releaseHold: (did, ref) => call(ReleaseReply, "releaseHold", () => stub(did).releaseHold(did, encodeRef(ref))),
      activate: (did, connectorId, access) =>
        call(ActivateReply, "activate", () =>
          stub(did).activate(did, connectorId, access === undefined ? undefined : { accessToken: access.accessToken, expiresAt: access.expiresAt })),
      connectCaldav: (did, credentials) =>
        call(ConnectCaldavReply, "connectCaldav", () =>
          stub(did).connectCaldav(did, { serverUrl: credentials.serverUrl, username: credentials.username, password: credentials.password })),
      remove: (did, connectorId) => call(RemoveReply, "remove", () => stub(did).remove(did, connectorId)),
      maintain: (did) => call(MaintainReply, "maintain", () => stub(did).maintain(did)),
      calendarChanged: (did, connectorId) => call(ChangedReply, "calendarChanged", () => stub(did).calendarChanged(did, connectorId)),
      findConflicts: (did, holds) =>
        call(ConflictsReply, "findConflicts", () => stub(did).findConflicts(did, holds.map((h) => ({ bookingId: h.bookingId, start: h.start, end: h.end }))))
    })
  })
)
