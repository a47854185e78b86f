import { Clock, Effect, Option } from "effect"
import type { MeetingDetails } from "../../../domain/booking/meetingPlace"
import { expansionWarning, type UnexpandedSeries } from "../../../domain/calendar/expansionWarning"
import { mergeBusy } from "../../../domain/calendar/ranges"
import { HoldGone, type HoldRef, type HoldRequest, type Interval, type ProviderError, ProviderRejected } from "../../../services/CalendarProvider"
import type { ConnectorCalendar } from "../../../services/ConnectorCalendar"
import type { Connector, ConnectorsRepo } from "../../../services/ConnectorsRepo"
import type { OpenedConnector } from "../../../services/ProviderAdapters"
import type { HoldToCheck } from "../../../services/UserConnectors"
import type { BrokenConnectors } from "./brokenConnectors"
import type { BusyCache } from "./busyCache"
import { brokenError, noActiveConnector } from "./connectorErrors"
import { type ConnectorRows, counted, holdsTarget } from "./connectorRows"
import type { OpenConnectors } from "./openConnectors"

/** last_sync_at is written at most this often per connector. */
const SYNC_MARK_INTERVAL_MS = 60_000

const overlaps = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end

/**
 * The CalendarProvider operations over all of a user's connectors: busy time merged from every counted
 * connector (through the free/busy cache), holds on the holds connector, and re-checking holds.
 */
export const makeCalendarOperations = (deps: {
  readonly repo: ConnectorsRepo["Type"]
  readonly rows: ConnectorRows
  readonly busyCache: BusyCache
  readonly connectors: OpenConnectors
  readonly broken: BrokenConnectors
}) => {
  const { broken: { guard }, busyCache, connectors, repo, rows } = deps

  const lastMarked = new Map<string, number>()
  const markSynced = (row: Connector, now: number) =>
    now - (lastMarked.get(row.id) ?? 0) < SYNC_MARK_INTERVAL_MS
      ? Effect.void
      : Effect.sync(() => lastMarked.set(row.id, now)).pipe(Effect.zipRight(repo.markSynced(row.id, now)), Effect.ignore)

  /** The connector's warning follows what the expansion ran into (written only when it changes). */
  const noteExpansion = (row: Connector, unexpanded: ReadonlyArray<UnexpandedSeries>) =>
    Effect.gen(function*() {
      const warning = expansionWarning(unexpanded)
      if (warning === row.warning) return
      if (warning !== null) {
        yield* Effect.logWarning("connectors: recurring events exceed the expansion limits and count as busy", {
          connectorId: row.id,
          series: unexpanded.length
        })
      }
      yield* repo.setWarning(row.id, warning).pipe(
        Effect.catchAll((error) => Effect.logError("connectors: could not record a connector warning", { connectorId: row.id, error: error._tag }))
      )
      rows.invalidate()
    })

  /**
   * A connector's busy time. Where the backend expands recurrences itself (CalDAV), recurring events counted
   * busy for their whole span are the owner's to fix, so the connector's warning says so.
   */
  const busyOf = (row: Connector, connector: OpenedConnector, range: Interval): Effect.Effect<ReadonlyArray<Interval>, ProviderError> =>
    connector.busyReport === undefined
      ? connector.busy(range)
      : Effect.tap(connector.busyReport(range), (report) => noteExpansion(row, report.unexpanded)).pipe(Effect.map((report) => report.intervals))

  const busy = (range: Interval): Effect.Effect<ReadonlyArray<Interval>, ProviderError> =>
    Effect.gen(function*() {
      if (!(range.end > range.start)) return []
      const now = yield* Clock.currentTimeMillis
      const hit = busyCache.get(range, now)
      if (hit !== undefined) return hit
      const generation = busyCache.generation()
      const list = counted(yield* rows.load)
      const refusing = list.find((row) => row.status === "broken")
      if (refusing !== undefined) return yield* brokenError(refusing)
      if (list.length === 0) return yield* noActiveConnector()
      const parts = yield* Effect.forEach(list, (row) => guard(row, Effect.flatMap(connectors.open(row), (c) => busyOf(row, c, range))), {
        concurrency: 4
      })
      const merged = mergeBusy(parts.flat(), range)
      // A hold written (or a change pushed) while this answer was on its way makes it stale: the cache refuses it.
      busyCache.put(range, now, merged, generation)
      yield* Effect.forEach(list, (row) => markSynced(row, now), { discard: true })
      return merged
    })

  const placeHold = (hold: HoldRequest): Effect.Effect<HoldRef, ProviderError> =>
    Effect.gen(function*() {
      const list = counted(yield* rows.load)
      const target = holdsTarget(list)
      if (target === undefined) return yield* list[0] === undefined ? noActiveConnector() : brokenError(list[0])
      busyCache.invalidate()
      return yield* guard(target, Effect.flatMap(connectors.open(target), (c) => c.placeHold(hold)))
    }).pipe(Effect.ensuring(Effect.sync(busyCache.invalidate)))

  /** The connector a hold lives on: None when it was removed (its hold is out of our reach). */
  const rowOfHold = (ref: HoldRef) =>
    Effect.gen(function*() {
      const found = (yield* rows.load).find((row) => row.id === ref.connectorId)
      if (found !== undefined && found.provider !== ref.provider) {
        return yield* new ProviderRejected({ provider: ref.provider, status: 400, message: "the hold does not belong to this connector" })
      }
      return Option.fromNullable(found)
    })

  const onExistingHold = <A>(ref: HoldRef, use: (calendar: ConnectorCalendar) => Effect.Effect<A, ProviderError | HoldGone>) =>
    Effect.gen(function*() {
      const row = yield* rowOfHold(ref)
      if (Option.isNone(row)) return yield* new HoldGone({ provider: ref.provider, eventId: ref.eventId })
      if (row.value.status !== "active") return yield* brokenError(row.value)
      return yield* guard(row.value, Effect.flatMap(connectors.open(row.value), use))
    }).pipe(Effect.ensuring(Effect.sync(busyCache.invalidate)))

  const releaseHold = (ref: HoldRef): Effect.Effect<void, ProviderError> =>
    Effect.gen(function*() {
      const row = yield* rowOfHold(ref)
      // A removed or broken connector's hold is out of reach: nothing Overlap can release, so retrying cannot help.
      if (Option.isNone(row) || row.value.status !== "active") {
        return yield* Effect.logWarning("connectors: hold left on a connector that is gone or broken", { connectorId: ref.connectorId })
      }
      yield* guard(row.value, Effect.flatMap(connectors.open(row.value), (c) => c.releaseHold(ref)))
    }).pipe(Effect.ensuring(Effect.sync(busyCache.invalidate)))

  /** The holds (booking ids) that now clash with something else on the user's calendars. */
  const findConflicts = (holds: ReadonlyArray<HoldToCheck>): Effect.Effect<ReadonlyArray<string>, ProviderError> =>
    Effect.gen(function*() {
      if (holds.length === 0) return []
      busyCache.invalidate()
      const list = counted(yield* rows.load)
      const refusing = list.find((row) => row.status === "broken")
      if (refusing !== undefined) return yield* brokenError(refusing)
      const target = holdsTarget(list)
      const range = { start: Math.min(...holds.map((h) => h.start)), end: Math.max(...holds.map((h) => h.end)) }
      const clashing = new Set<string>()
      for (const row of list) {
        const connector = yield* guard(row, connectors.open(row))
        // The holds themselves are events on the holds connector: there, only a backend that can leave
        // Overlap's own events out (CalDAV) tells a clash from the hold. Elsewhere any busy time clashes.
        const read = row.id === target?.id ? connector.foreignBusy : connector.busy
        if (read === undefined) continue
        const intervals = yield* guard(row, read(range))
        for (const hold of holds) if (intervals.some((busy) => overlaps(busy, hold))) clashing.add(hold.bookingId)
      }
      return [...clashing]
    })

  return {
    busy,
    placeHold,
    confirmHold: (ref: HoldRef, meeting?: MeetingDetails) => onExistingHold(ref, (calendar) => calendar.confirmHold(ref, meeting)),
    moveHold: (ref: HoldRef, to: Interval) => onExistingHold(ref, (calendar) => calendar.moveHold(ref, to)),
    releaseHold,
    findConflicts,
    /** Something changed on a calendar (or the owner's choice of calendars): cached free/busy and rows are stale. */
    calendarChanged: () =>
      Effect.sync(() => {
        busyCache.invalidate()
        rows.invalidate()
      })
  }
}
