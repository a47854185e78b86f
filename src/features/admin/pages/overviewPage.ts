import { Either } from "effect"
import type { CountBy, HoldCounts, SourceCursor } from "../../../services/OperatorViews"
import type { WorkerHealthReport } from "../../../services/WorkerHealth"
import type { Answer } from "../metricsData"
import { type Html, html, table } from "./html"

export interface Overview {
  readonly now: number
  readonly health: ReadonlyArray<WorkerHealthReport>
  readonly sources: ReadonlyArray<SourceCursor>
  readonly brokenConnectors: ReadonlyArray<CountBy>
  readonly bookings: ReadonlyArray<CountBy>
  readonly holds: HoldCounts
  /** ingest_lag per source over the last hour (query ingest_lag_by_source), or why there is none. */
  readonly ingestLag: Answer
}

/** Ingest is lagging when a source's cursor has not moved for this long. */
export const STALE_CURSOR_MS = 5 * 60_000

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`

const healthSection = (health: ReadonlyArray<WorkerHealthReport>): Html =>
  table(
    "Workers (/healthz)",
    ["worker", "state", "bindings"],
    health.map((w) => [
      w.worker,
      w.ok ? html`<span class="good">healthy</span>` : html`<span class="bad">${w.status === 0 ? `unreachable: ${w.error ?? ""}` : `unhealthy (${w.status})`}</span>`,
      Object.entries(w.bindings).map(([name, status]) => `${name}: ${status}`).join(", ")
    ]),
    "no worker answered"
  )

/** Event lag (now − the newest event time handled) per source over the last hour; p99 over 5 s is marked. */
const eventLagOf = (lag: Answer, source: string): Html | string =>
  Either.match(lag, {
    onLeft: () => "metrics unavailable",
    onRight: (result) => {
      const row = result.data.find((r) => r.label === source)
      if (row === undefined) return "no reports in the last hour"
      const p99 = Number(row.p99 ?? 0)
      const text = `p99 ${(p99 / 1000).toFixed(1)} s, max ${(Number(row.max ?? 0) / 1000).toFixed(1)} s`
      return p99 > 5_000 ? html`<span class="bad">${text}</span>` : text
    }
  })

const sourcesSection = (now: number, sources: ReadonlyArray<SourceCursor>, lag: Answer): Html =>
  table(
    "Firehose sources",
    ["source", "cursor", "cursor last moved", "since it moved", "event lag (last hour)"],
    sources.map((s) => [
      s.source,
      s.cursor,
      new Date(s.updatedAt).toISOString(),
      now - s.updatedAt > STALE_CURSOR_MS ? html`<span class="bad">${seconds(now - s.updatedAt)}</span>` : seconds(now - s.updatedAt),
      eventLagOf(lag, s.source)
    ]),
    "no source has saved a cursor yet"
  )

/** The console's front page: every worker's health, ingest, broken connectors, bookings and holds. */
export const overviewBody = (o: Overview): Html => html`
<section aria-labelledby="health"><h2 id="health">Health</h2>${healthSection(o.health)}</section>
<section aria-labelledby="ingest"><h2 id="ingest">Ingest</h2>${sourcesSection(o.now, o.sources, o.ingestLag)}
<p class="note">"Since it moved": the time since the source's cursor last advanced (saved by its FirehoseDO). Event
lag: now − the newest event time handled, reported by the firehose worker (ingest_lag, at most once a second).</p></section>
<section aria-labelledby="connectors"><h2 id="connectors">Broken connectors</h2>${
  table("Broken connectors per provider", ["provider", "broken"], o.brokenConnectors.map((c) => [c.key, c.count]), "none")
}</section>
<section aria-labelledby="bookings"><h2 id="bookings">Bookings and holds</h2>${
  table("Bookings per state", ["state", "bookings"], o.bookings.map((b) => [b.key, b.count]), "no bookings")
}${table("Holds", ["holds", "count"], [["live (held, not expired)", o.holds.live], ["past expiry, not yet swept", o.holds.overdue]], "none")}</section>`
