import type { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { mergeBusy } from "../../domain/calendar/ranges"
import { CalendarProvider, ProviderUnavailable } from "../../services/CalendarProvider"
import { ConnectorsRepo } from "../../services/ConnectorsRepo"
import { UserConnectors } from "../../services/UserConnectors"
import { makeLocalCalendarProvider } from "../d1/LocalCalendarLive"

/**
 * The production `CalendarProvider`: a user with calendar connectors is answered by their `UserConnectorDO`
 * (through `UserConnectors`); a user with none keeps the local calendar (the embedded default, D1).
 *
 * - "Has connectors" means an active or a broken one: a broken connector still routes to the object, whose
 *   `busy` then refuses with ConnectorBroken — matching must never quietly fall back to a calendar that
 *   lacks the user's real busy time.
 * - A connected user's busy time also counts their local calendar's events (events they kept on Overlap
 *   before connecting, holds placed there): counting more is safe, counting less is not.
 * - Holds go to the connectors; an existing hold is routed by its ref (`provider: "local"` stays local).
 */
export const CalendarProviderLive: Layer.Layer<CalendarProvider, never, SqlClient.SqlClient | ConnectorsRepo | UserConnectors> = Layer.effect(
  CalendarProvider,
  Effect.gen(function*() {
    const local = yield* makeLocalCalendarProvider
    const repo = yield* ConnectorsRepo
    const connectors = yield* UserConnectors

    const connected = (did: string) =>
      repo.listForDid(did).pipe(
        Effect.map((rows) => rows.some((row) => row.status === "active" || row.status === "broken")),
        Effect.mapError((cause) => new ProviderUnavailable({ provider: "overlap", cause }))
      )

    return CalendarProvider.of({
      busy: (did, range) =>
        Effect.flatMap(connected(did), (yes) =>
          yes
            ? Effect.map(
              Effect.all([connectors.busy(did, range), local.busy(did, range)], { concurrency: 2 }),
              ([remote, own]) => mergeBusy([...remote, ...own], range)
            )
            : local.busy(did, range)),
      placeHold: (did, hold) => Effect.flatMap(connected(did), (yes) => (yes ? connectors.placeHold(did, hold) : local.placeHold(did, hold))),
      confirmHold: (did, ref, meeting) => (ref.provider === "local" ? local.confirmHold(did, ref, meeting) : connectors.confirmHold(did, ref, meeting)),
      moveHold: (did, ref, to) => (ref.provider === "local" ? local.moveHold(did, ref, to) : connectors.moveHold(did, ref, to)),
      releaseHold: (did, ref) => (ref.provider === "local" ? local.releaseHold(did, ref) : connectors.releaseHold(did, ref))
    })
  })
)
