import { Effect, Option, Schedule } from "effect"
import { connectorBrokenNoticeId } from "../../../domain/calendar/connectorNotice"
import { ConnectorBroken } from "../../../services/CalendarProvider"
import type { ConnectorNotices } from "../../../services/ConnectorNotices"
import type { Connector, ConnectorsRepo } from "../../../services/ConnectorsRepo"
import { rateLimitedByQuota } from "../providerThrottle"

/**
 * A connector that answers ConnectorBroken (invalid_grant, revoked access, a deleted calendar) is marked
 * `broken` in D1 once, and its owner is told; while it is broken, `busy` fails with ConnectorBroken so a
 * match refuses rather than ignoring that calendar.
 */
export const makeBrokenConnectors = (deps: {
  readonly did: string
  readonly repo: ConnectorsRepo["Type"]
  readonly notices: ConnectorNotices["Type"]
  /** Drops what the engine holds for the connector (its token, its opened backend, cached answers). */
  readonly onBroken: (connectorId: string) => void
}) => {
  const { did, notices, repo } = deps
  /** Connectors being removed: their failures are not breakage. */
  const removing = new Set<string>()

  const sendNotice = (notice: Parameters<typeof notices.send>[0]) =>
    notices.send(notice).pipe(
      Effect.retry(Schedule.exponential("200 millis").pipe(Schedule.intersect(Schedule.recurs(2)))),
      Effect.catchAll((error) => Effect.logError("connectors: could not enqueue a notice", { kind: notice.kind, error: error._tag }))
    )

  /** Marks the connector broken (once) and tells its owner; every later busy fails until they reconnect. */
  const markBroken = (row: Pick<Connector, "id" | "provider">, reason: string) =>
    Effect.gen(function*() {
      if (removing.has(row.id)) return
      const changed = yield* repo.setStatus(row.id, "broken", ["active", "pending"]).pipe(
        Effect.catchAll((error) => Effect.as(Effect.logError("connectors: could not mark a connector broken", { connectorId: row.id, error: error._tag }), Option.none()))
      )
      deps.onBroken(row.id)
      if (Option.isNone(changed)) return
      yield* Effect.logWarning("connectors: connector broken", { connectorId: row.id, provider: row.provider, reason })
      yield* sendNotice({
        kind: "connector-broken",
        id: connectorBrokenNoticeId(row.id, changed.value.updatedAt),
        did,
        recipients: [did],
        connectorId: row.id,
        provider: row.provider,
        reason,
        at: changed.value.updatedAt
      })
    })

  /** Runs a provider operation for `row`: the local quota as ProviderRateLimited, ConnectorBroken marks the row. */
  const guard = <A, E>(row: Pick<Connector, "id" | "provider">, effect: Effect.Effect<A, E>) =>
    rateLimitedByQuota(effect).pipe(
      Effect.tapError((error) => (error instanceof ConnectorBroken ? markBroken(row, error.reason) : Effect.void))
    )

  return { removing, markBroken, guard }
}

export type BrokenConnectors = ReturnType<typeof makeBrokenConnectors>
