import { Clock, Effect } from "effect"
import { PENDING_RETRY_AFTER_MS, PUSH_RENEW_HORIZON_MS, REFRESH_HORIZON_MS } from "./engine/maintenance"
import { CalendarTaskQueue } from "../../services/CalendarTaskQueue"
import { ConnectorsRepo } from "../../services/ConnectorsRepo"
import { PushChannels } from "../../services/PushChannels"
import { UserConnectors } from "../../services/UserConnectors"

/**
 * The `refresh-oauth` cron (AppView, every 10 minutes). It finds the users with connector work due and asks
 * each user's UserConnectorDO to do it — the object is the only refresher of its user's tokens:
 * - OAuth access tokens expiring within 15 minutes are refreshed (a rotated refresh token is sealed again);
 * - push channels expiring within 12 hours are renewed (Google: new channel, then stop the old; Graph: extend);
 * - OAuth connects whose activation failed in the callback are activated again;
 * - CalDAV calendars are polled with their sync token (RFC 6578); a change goes to `calendar-tasks` as
 *   `calendar-changed`, exactly like a push notification.
 */

/** Users handled per run; the rest wait for the next run (10 minutes later), soonest expiry first. */
const MAX_USERS_PER_RUN = 500
const PAGE = 100

export interface RefreshConnectorsSummary {
  readonly users: number
  readonly refreshed: number
  readonly renewedChannels: number
  readonly changed: number
  readonly failedUsers: number
}

export const refreshConnectors = Effect.gen(function*() {
  const repo = yield* ConnectorsRepo
  const channels = yield* PushChannels
  const connectors = yield* UserConnectors
  const queue = yield* CalendarTaskQueue
  const now = yield* Clock.currentTimeMillis

  const dids = new Set<string>()
  const expiring = yield* repo.listExpiring(now + REFRESH_HORIZON_MS, PAGE)
  for (const row of expiring) dids.add(row.did)
  const renewing = yield* channels.expiringBefore(now + PUSH_RENEW_HORIZON_MS, PAGE)
  for (const channel of renewing) dids.add(channel.did)
  const unfinished = yield* repo.listPending(now - PENDING_RETRY_AFTER_MS, PAGE)
  for (const row of unfinished) dids.add(row.did)
  let after: string | undefined
  while (dids.size < MAX_USERS_PER_RUN) {
    const page = yield* repo.listActiveByProvider("caldav", PAGE, after)
    for (const row of page) dids.add(row.did)
    if (page.length < PAGE) break
    after = page[page.length - 1]!.id
  }

  const reports = yield* Effect.forEach([...dids].slice(0, MAX_USERS_PER_RUN), (did) =>
    connectors.maintain(did).pipe(
      Effect.tap((report) =>
        Effect.forEach(report.changed, (connectorId) =>
          queue.send({
            kind: "calendar-changed",
            did,
            connectorId,
            provider: "caldav",
            // One message per poll that saw a change; a redelivery of it is harmless.
            idempotencyKey: `caldav:${connectorId}:${now}`
          }), { discard: true })),
      Effect.either
    ), { concurrency: 4 })

  const summary: RefreshConnectorsSummary = {
    users: reports.length,
    refreshed: reports.reduce((n, r) => n + (r._tag === "Right" ? r.right.refreshed.length : 0), 0),
    renewedChannels: reports.reduce((n, r) => n + (r._tag === "Right" ? r.right.renewedChannels.length : 0), 0),
    changed: reports.reduce((n, r) => n + (r._tag === "Right" ? r.right.changed.length : 0), 0),
    failedUsers: reports.filter((r) => r._tag === "Left").length
  }
  yield* Effect.logInfo("refresh-oauth done", summary)
  return summary
})
