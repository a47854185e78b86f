import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Ref, TestClock } from "effect"
import { AnalyticsRecording, AnalyticsTest } from "../../src/adapters/memory/AnalyticsTest"
import { AuditEventsRepoTest } from "../../src/adapters/memory/AuditEventsRepoTest"
import { FirehoseCursorsRepoTest } from "../../src/adapters/memory/FirehoseCursorsRepoTest"
import { IdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { makeIngestCursorStoreTest } from "../../src/adapters/memory/IngestCursorStoreTest"
import { IngestMetricsLog, IngestMetricsTest } from "../../src/adapters/memory/IngestMetricsTest"
import { zeroCounters } from "../../src/domain/ingest/ingestCounters"
import { availabilitySlo, matchLatency, providerLatency } from "../../src/domain/metrics/dashboardQueries"
import { evaluate, type RecordedPoint, toSql, weightedQuantile } from "../../src/domain/metrics/metricQuery"
import { OBJECTIVES, sloStatus } from "../../src/domain/metrics/slo"
import { meteredClient, providerOfUrl } from "../../src/features/connectors/meteredClient"
import { ingestFrame } from "../../src/features/ingest/frameIngest"
import { flushBatch } from "../../src/features/ingest/ingestFlush"
import { initialState } from "../../src/features/ingest/ingestState"
import { observeQueueBatch } from "../../src/features/metrics/queueAge"
import { xrpcMethodLabel } from "../../src/features/xrpc/xrpcMetrics"
import { Analytics } from "../../src/services/Analytics"
import { IngestCursorStore } from "../../src/services/IngestCursorStore"
import { IndexTaskQueue } from "../../src/services/IndexTaskQueue"

// The metrics of issue 17 item 3: each emitter's data point, the queries that read them (as Analytics Engine SQL and
// over recorded points), and the SLO arithmetic.

const recorded = Effect.flatMap(AnalyticsRecording, (ref) => Effect.map(Ref.get(ref), (all) => all.map((r) => r.point)))

describe("data points of the new metrics", () => {
  it.effect("provider latency, queue age, object start and XRPC requests are laid out as docs/operations.md says", () =>
    Effect.gen(function*() {
      const analytics = yield* Analytics
      yield* analytics.providerLatency("google", 182.5, 200)
      yield* analytics.providerLatency("caldav", 15_000, 0)
      yield* analytics.queueAge("calendar-tasks", 12, 3, 7)
      yield* analytics.objectStart("HostMatchDO")
      yield* analytics.xrpcRequest("app.overlap.match", 503, 41)
      yield* analytics.xrpcRequest("app.overlap.getOffers", 200, Number.NaN)
      expect(yield* recorded).toEqual([
        { indexes: ["provider_latency"], blobs: ["provider_latency", "google", "ok", "200"], doubles: [182.5] },
        { indexes: ["provider_latency"], blobs: ["provider_latency", "caldav", "error", "0"], doubles: [15_000] },
        { indexes: ["queue_age"], blobs: ["queue_age", "calendar-tasks"], doubles: [12, 3, 7] },
        { indexes: ["do_restart"], blobs: ["do_restart", "HostMatchDO"], doubles: [1] },
        { indexes: ["xrpc_request"], blobs: ["xrpc_request", "app.overlap.match", "5xx", "503"], doubles: [41] },
        { indexes: ["xrpc_request"], blobs: ["xrpc_request", "app.overlap.getOffers", "2xx", "200"], doubles: [-1] }
      ])
    }).pipe(Effect.provide(AnalyticsTest)))

  it.effect("a queue batch reports its oldest message's age, the count and the mean age, from the message timestamps", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_000_000)
      yield* observeQueueBatch({ queue: "notify-tasks", messages: [{ timestamp: new Date(1_000_000 - 40_000) }, { timestamp: new Date(1_000_000 - 10_000) }] })
      yield* observeQueueBatch({ queue: "notify-tasks", messages: [] })
      expect(yield* recorded).toEqual([{ indexes: ["queue_age"], blobs: ["queue_age", "notify-tasks"], doubles: [40, 2, 25] }])
    }).pipe(Effect.provide(AnalyticsTest)))

  it("counts an XRPC method the AppView serves by name, anything else as unknown", () => {
    expect(xrpcMethodLabel("/xrpc/app.overlap.match")).toBe("app.overlap.match")
    expect(xrpcMethodLabel("/xrpc/app.overlap.nothingLikeThis")).toBe("unknown")
    expect(xrpcMethodLabel("/healthz")).toBe("none")
  })

  it.effect("the connector engine's HTTP client reports each exchange's latency and status per provider; no answer as status 0", () =>
    Effect.gen(function*() {
      const analytics = yield* Analytics
      let fail = false
      const base = HttpClient.make((request) =>
        fail
          ? Effect.die("network down")
          : Effect.succeed(HttpClientResponse.fromWeb(request, new Response("{}", { status: request.url.includes("graph") ? 429 : 207 }))))
      const client = meteredClient(base, providerOfUrl({ googleApiBase: "http://127.0.0.1:9001", graphApiBase: undefined }), analytics)
      expect((yield* client.execute(HttpClientRequest.get("https://graph.microsoft.com/v1.0/me"))).status).toBe(429)
      yield* client.execute(HttpClientRequest.get("http://127.0.0.1:9001/calendar/v3/freeBusy"))
      yield* client.execute(HttpClientRequest.make("OPTIONS")("https://dav.example.test/calendars/"))
      fail = true
      yield* Effect.exit(client.execute(HttpClientRequest.get("https://dav.example.test/calendars/")))
      const points = yield* recorded
      expect(points.map((p) => p.blobs)).toEqual([
        ["provider_latency", "microsoft", "error", "429"],
        ["provider_latency", "google", "ok", "207"],
        ["provider_latency", "caldav", "ok", "207"],
        ["provider_latency", "caldav", "error", "0"]
      ])
      expect(points.every((p) => p.doubles[0]! >= 0)).toBe(true)
    }).pipe(Effect.provide(AnalyticsTest)))

  it.effect("ingest lag: the newest event's time against now, at most once a second per source", () => {
    const store = makeIngestCursorStoreTest()
    const layer = Layer.mergeAll(
      Layer.succeed(IngestCursorStore, store.service),
      Layer.succeed(IndexTaskQueue, IndexTaskQueue.of({ send: () => Effect.void })),
      AuditEventsRepoTest,
      FirehoseCursorsRepoTest,
      IdentityResolverTest,
      IngestMetricsTest
    )
    const state = initialState({ source: { id: "jetstream-lag", kind: "jetstream", url: "ws://jetstream.test/subscribe" }, running: true, cursor: null, counters: zeroCounters() })
    const identity = (timeUs: number) => JSON.stringify({ did: "did:plc:lag", time_us: timeUs, kind: "identity", identity: { did: "did:plc:lag", seq: 1, time: "" } })
    return Effect.gen(function*() {
      yield* TestClock.setTime(10_000_000)
      yield* ingestFrame(state, identity(9_997_000_000)) // 3 s behind
      yield* ingestFrame(state, identity(9_998_000_000)) // the newest: 2 s behind
      yield* flushBatch(state, true)
      yield* ingestFrame(state, identity(9_999_000_000))
      yield* flushBatch(state, true) // within the second: not reported
      yield* TestClock.adjust("1 second")
      yield* flushBatch(state, true)
      const lags = (yield* Ref.get(yield* IngestMetricsLog)).filter((p) => p.name === "ingest_lag")
      expect(lags).toEqual([
        { name: "ingest_lag", source: "jetstream-lag", value: 2_000 },
        { name: "ingest_lag", source: "jetstream-lag", value: 2_000 }
      ])
    }).pipe(Effect.provide(layer))
  })
})

describe("the metric queries", () => {
  const at = (minutesAgo: number) => 1_800_000_000_000 - minutesAgo * 60_000
  const now = at(0)
  const point = (minutesAgo: number, index1: string, blobs: ReadonlyArray<string>, doubles: ReadonlyArray<number>): RecordedPoint => ({ timestamp: at(minutesAgo), index1, blobs: [index1, ...blobs], doubles })

  it("are Analytics Engine SQL: sampling-weighted quantiles and counts over the window, grouped by bucket and label", () => {
    const sql = toSql(providerLatency, "overlap_events_production", { minutes: 1_440, bucketMinutes: 30 })
    expect(sql).toBe([
      "SELECT toStartOfInterval(timestamp, INTERVAL '30' MINUTE) AS t, blob2 AS label, quantileExactWeighted(0.5)(double1, _sample_interval) AS p50, quantileExactWeighted(0.95)(double1, _sample_interval) AS p95, sum(_sample_interval) AS calls, sumIf(_sample_interval, blob3 = 'error') AS failures",
      "FROM overlap_events_production",
      "WHERE index1 = 'provider_latency' AND timestamp > NOW() - INTERVAL '1440' MINUTE AND (double1 >= 0)",
      "GROUP BY t, label",
      "ORDER BY t, label",
      "FORMAT JSON"
    ].join("\n"))
    expect(toSql(availabilitySlo(300), "overlap_events", { minutes: 60, bucketMinutes: 2 })).toContain("sumIf(_sample_interval, (NOT (blob3 = '5xx')) AND (double1 <= 300)) AS good")
    expect(() => toSql(matchLatency, "x; DROP", { minutes: 60, bucketMinutes: 2 })).toThrow()
  })

  it("answer the same shape over recorded points: buckets, labels, exact weighted quantiles, and only the window", () => {
    const points = [
      point(5, "provider_latency", ["google", "ok", "200"], [100]),
      point(4, "provider_latency", ["google", "ok", "200"], [300]),
      point(3, "provider_latency", ["google", "error", "503"], [900]),
      point(4, "provider_latency", ["caldav", "ok", "207"], [40]),
      point(4, "provider_latency", ["caldav", "ok", "207"], [-1]), // a clock that went backwards: left out
      point(90, "provider_latency", ["google", "ok", "200"], [5]), // outside the hour
      point(4, "xrpc_request", ["app.overlap.match", "2xx", "200"], [1])
    ]
    const result = evaluate(providerLatency, points, { minutes: 60, bucketMinutes: 60 }, now)
    expect(result.meta.map((m) => m.name)).toEqual(["t", "label", "p50", "p95", "calls", "failures"])
    expect(result.rows).toBe(2)
    expect(result.data).toEqual([
      { t: "2027-01-15 07:00:00", label: "caldav", p50: 40, p95: 40, calls: 1, failures: 0 },
      { t: "2027-01-15 07:00:00", label: "google", p50: 300, p95: 900, calls: 3, failures: 1 }
    ])
    expect(weightedQuantile(0.5, [{ value: 10, weight: 3 }, { value: 20, weight: 1 }])).toBe(10)
    expect(weightedQuantile(0.95, [{ value: 10, weight: 3 }, { value: 20, weight: 1 }])).toBe(20)
    expect(weightedQuantile(0.5, [])).toBe(0)
  })

  it("an SLO's error budget left is 1 − bad ÷ allowed bad, negative when overspent", () => {
    const [match, availability] = OBJECTIVES
    expect(sloStatus(match!, 1_000, 995)).toMatchObject({ attained: 0.995, met: true })
    expect(sloStatus(match!, 1_000, 995).budgetLeft).toBeCloseTo(0.5)
    expect(sloStatus(availability!, 100, 90).budgetLeft).toBeCloseTo(-1)
    expect(sloStatus(availability!, 100, 90).met).toBe(false)
    expect(sloStatus(match!, 0, 0)).toMatchObject({ attained: undefined, budgetLeft: undefined, met: undefined })
  })
})
