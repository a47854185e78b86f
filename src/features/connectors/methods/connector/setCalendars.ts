import { Effect, Option } from "effect"
import type { ConnectorSetCalendarsInput } from "../../../../lexicon/schemas"
import { holdsCalendarOf } from "../../../../domain/calendar/holdsCalendar"
import { ConnectorsRepo } from "../../../../services/ConnectorsRepo"
import { UserConnectors } from "../../../../services/UserConnectors"
import { Caller } from "../../../xrpc/Caller"
import { InvalidRequest } from "../../../xrpc/XrpcErrors"
import { toConnectorView } from "../../connectorView"
import { effectiveHoldsTarget } from "../../holdsTarget"

/**
 * app.overlap.connector.setCalendars: which of one connector's calendars block the owner's availability, and
 * (optionally) the calendar that takes their holds. Calendars not named keep their setting; the same call twice
 * leaves the same rows. Another user's connector, or a removed one, is "no connector" (its existence is not told).
 */
export const setCalendars = ({ payload }: { readonly payload: ConnectorSetCalendarsInput }) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const repo = yield* ConnectorsRepo
    const found = yield* repo.get(payload.connectorId).pipe(Effect.orDie)
    if (Option.isNone(found) || found.value.did !== caller.did || found.value.status === "removed") {
      return yield* new InvalidRequest({ message: `connectorId: you have no connector ${payload.connectorId}` })
    }
    const row = found.value
    const known = new Set(row.calendars.map((c) => c.id))
    const seen = new Set<string>()
    for (const [index, choice] of payload.calendars.entries()) {
      if (!known.has(choice.id)) return yield* new InvalidRequest({ message: `calendars[${index}].id: this connector has no calendar ${choice.id}` })
      if (seen.has(choice.id)) return yield* new InvalidRequest({ message: `calendars[${index}].id: ${choice.id} is named twice` })
      seen.add(choice.id)
    }
    if (payload.holdsTarget !== undefined && !known.has(payload.holdsTarget)) {
      return yield* new InvalidRequest({ message: `holdsTarget: this connector has no calendar ${payload.holdsTarget}` })
    }
    if (payload.holdsTarget !== undefined && row.status !== "active") {
      return yield* new InvalidRequest({ message: `holdsTarget: the connector is ${row.status}; holds can go only to a working calendar` })
    }
    const choices = new Map(payload.calendars.map((c) => [c.id, c.checkBusy]))
    const holds = payload.holdsTarget
    const calendars = row.calendars.map((calendar) => {
      const { holds: _previous, ...rest } = calendar
      const next = { ...rest, checkBusy: choices.get(calendar.id) ?? calendar.checkBusy }
      const chosen = holds === undefined ? calendar.holds === true : calendar.id === holds
      return chosen ? { ...next, holds: true } : next
    })
    // Holds must land where they block: a held time in a calendar that does not count would be offered again.
    const before = yield* repo.listForDid(caller.did).pipe(Effect.orDie)
    if (holds !== undefined || effectiveHoldsTarget(before)?.id === row.id) {
      const holdsCalendar = calendars.find((calendar) => calendar.id === holdsCalendarOf(calendars))
      if (holdsCalendar !== undefined && !holdsCalendar.checkBusy) {
        const index = payload.calendars.findIndex((choice) => choice.id === holdsCalendar.id)
        return yield* new InvalidRequest({
          message: holds === holdsCalendar.id
            ? "holdsTarget: holds go only to a calendar that blocks your availability (tick it too)"
            : `${index < 0 ? "calendars" : `calendars[${index}].checkBusy`}: your holds go to ${holdsCalendar.name}, so it must block your availability (choose another calendar for holds first)`
        })
      }
    }
    yield* repo.updateAccount(row.id, { accountRef: row.accountRef, calendars }).pipe(Effect.orDie)
    if (holds !== undefined) yield* repo.setHoldsTarget(caller.did, row.id).pipe(Effect.orDie)
    // The user's connector object re-reads its rows and drops cached busy time now, not after its 30-second TTL.
    const connectors = yield* UserConnectors
    yield* connectors.calendarChanged(caller.did, row.id).pipe(
      Effect.catchAll((error) => Effect.logWarning("connectors: calendar choice saved; the connector object re-reads it within 30 s", { error: error._tag }))
    )
    const list = yield* repo.listForDid(caller.did).pipe(Effect.orDie)
    const target = effectiveHoldsTarget(list)
    const updated = list.find((c) => c.id === row.id) ?? row
    return { connector: toConnectorView(updated, target?.id === updated.id) }
  })
