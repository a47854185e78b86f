import { Either } from "effect"
import { parseDateTime, type QueryResult } from "../../../domain/metrics/metricQuery"
import { AVAILABILITY_THRESHOLD_MS, INGEST_LAG_THRESHOLD_MS } from "../../../domain/metrics/slo"
import type { Answer, Dashboard } from "../metricsData"
import { WINDOWS } from "../metricsWindow"
import { lineChart, type Series } from "./charts"
import { type Html, html, table } from "./html"

const num = (value: string | number | undefined) => (value === undefined ? 0 : Number(value))

/** Series from a time-bucketed answer: one per `label` (or one) for each named column. */
export const seriesOf = (result: QueryResult, columns: ReadonlyArray<readonly [column: string, name: string]>): ReadonlyArray<Series> => {
  const byName = new Map<string, Array<readonly [number, number]>>()
  for (const row of result.data) {
    const t = parseDateTime(row.t ?? 0)
    for (const [column, name] of columns) {
      const key = row.label !== undefined ? (columns.length > 1 ? `${row.label} ${name}` : String(row.label)) : name
      const points = byName.get(key) ?? []
      points.push([t, num(row[column])])
      byName.set(key, points)
    }
  }
  return [...byName.entries()].map(([name, points]) => ({ name, points }))
}

/** A chart over an answer, or the reason there is none. */
const chartOf = (answer: Answer, draw: (result: QueryResult) => Html, title: string): Html =>
  Either.match(answer, {
    onLeft: (reason) => html`<p class="bad" role="alert">${title}: metrics unavailable (${reason})</p>`,
    onRight: draw
  })

const rate = (result: QueryResult): QueryResult => ({
  ...result,
  data: result.data.map((row) => ({ ...row, rate: num(row.attempts) > 0 ? (100 * num(row.successes)) / num(row.attempts) : 0 }))
})

const windowLinks = (path: string, current: string): Html =>
  html`<p>Window: ${Object.entries(WINDOWS).map(([name, w]) =>
    name === current ? html`<strong aria-current="true">${w.label}</strong> ` : html`<a href="${path}?window=${name}">${w.label}</a> `
  )}</p>`

/** The KPI charts: matching, holds, XRPC, providers, queues, ingest, Durable Objects. */
export const metricsBody = (window: string, source: string, d: Dashboard): Html => html`
${windowLinks("/admin/metrics", window)}<p class="note">Source: ${source}.</p>
<section aria-labelledby="matching"><h2 id="matching">Matching</h2>${
  chartOf(d.matchLatency, (r) => lineChart({ title: "time_to_match_ms (p50, p95)", unit: "ms", series: seriesOf(r, [["p50", "p50"], ["p95", "p95"]]) }), "time to match")
}${
  chartOf(d.holdResults, (r) => lineChart({ title: "hold_success_rate (%)", unit: "%", series: seriesOf(rate(r), [["rate", "success rate"]]) }), "hold success rate")
}</section>
<section aria-labelledby="xrpc"><h2 id="xrpc">XRPC</h2>${
  chartOf(d.xrpcOverTime, (r) => lineChart({ title: "XRPC latency p95", unit: "ms", series: seriesOf(r, [["p95", "p95"]]), threshold: { label: `${AVAILABILITY_THRESHOLD_MS} ms`, value: AVAILABILITY_THRESHOLD_MS } }), "XRPC latency")
}${
  chartOf(d.xrpcOverTime, (r) => lineChart({ title: "XRPC 4xx and 5xx", unit: "requests", series: seriesOf(r, [["client_errors", "4xx"], ["server_errors", "5xx"]]) }), "XRPC errors")
}${
  chartOf(d.xrpcByMethod, (r) =>
    table("Requests per method", ["method", "requests", "4xx", "5xx", "p95 ms"], r.data.map((row) => [row.label, num(row.requests), num(row.client_errors), num(row.server_errors), Math.round(num(row.p95))]), "no requests"), "XRPC per method")
}</section>
<section aria-labelledby="providers"><h2 id="providers">Calendar providers</h2>${
  chartOf(d.providerLatency, (r) => lineChart({ title: "provider_latency_ms p95 per provider", unit: "ms", series: seriesOf(r, [["p95", "p95"]]) }), "provider latency")
}</section>
<section aria-labelledby="queues"><h2 id="queues">Queues</h2>${
  chartOf(d.queueAge, (r) => lineChart({ title: "queue_age_s: oldest message per batch, p95 per queue", unit: "s", series: seriesOf(r, [["p95_oldest_s", "p95"]]) }), "queue age")
}</section>
<section aria-labelledby="ingest"><h2 id="ingest">Ingest</h2>${
  chartOf(d.ingestLag, (r) => lineChart({ title: "Ingest lag p99 per source", unit: "ms", series: seriesOf(r, [["p99", "p99"]]), threshold: { label: `${INGEST_LAG_THRESHOLD_MS / 1000} s`, value: INGEST_LAG_THRESHOLD_MS } }), "ingest lag")
}</section>
<section aria-labelledby="objects"><h2 id="objects">Durable Objects</h2>${
  chartOf(d.objectRestarts, (r) => lineChart({ title: "do_restarts per class", unit: "starts", series: seriesOf(r, [["restarts", "restarts"]]) }), "Durable Object restarts")
}</section>`
