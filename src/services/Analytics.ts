import { Context, Data, type Effect } from "effect"

/**
 * Product metrics, written to Workers Analytics Engine (dataset `overlap_events`). A data point
 * carries an event name, a few short labels and a number — never a time of day, an interval, a
 * DID or any other personal data: label values that look like instants are replaced before
 * writing (see `toDataPoint`), and the only number is a duration or a count.
 *
 * Layout (query with the Analytics Engine SQL API): `index1` = event name (the sampling key),
 * `blob1` = event name, then per event:
 * - `time_to_match`: blob2 = outcome; double1 = milliseconds from request to result.
 * - `hold_result`: blob2 = `success` | `failure`, blob3 = reason; double1 = 1.
 * - `provider_latency`: blob2 = provider, blob3 = `ok` | `error`, blob4 = HTTP status (`0` = no answer); double1 = ms.
 * - `queue_age`: blob2 = queue; double1 = age in seconds of the batch's oldest message, double2 = messages in the
 *   batch, double3 = their mean age in seconds.
 * - `do_restart`: blob2 = Durable Object class; double1 = 1 (one constructor run).
 * - `ingest_lag` (written by `IngestMetrics`, same layout): blob2 = source; double1 = ms from the event's time to now.
 * - `xrpc_request`: blob2 = method NSID (`unknown` for a name the AppView does not serve), blob3 = `2xx` | `3xx` |
 *   `4xx` | `5xx`, blob4 = the status; double1 = milliseconds to the response.
 * - any `count(name, labels)`: blob2… = `key=value` labels sorted by key; double1 = 1.
 * docs/operations.md ("Metrics") has this table and the queries that read it.
 */

/** How a match ended: a slot held, a token to poll (202), no common time, a policy refusal, or an error. */
export type MatchOutcome = "held" | "pending" | "no-slot" | "refused" | "error"
export type HoldResult = "success" | "failure"

export type AnalyticsEvent = Data.TaggedEnum<{
  TimeToMatch: { readonly ms: number; readonly outcome: MatchOutcome }
  HoldResult: { readonly result: HoldResult; readonly reason: string }
  ProviderLatency: { readonly provider: string; readonly ms: number; readonly status: number }
  QueueAge: { readonly queue: string; readonly oldestSeconds: number; readonly messages: number; readonly meanSeconds: number }
  ObjectStart: { readonly className: string }
  XrpcRequest: { readonly method: string; readonly status: number; readonly ms: number }
  Count: { readonly name: string; readonly labels: Readonly<Record<string, string>> }
}>
export const AnalyticsEvent = Data.taggedEnum<AnalyticsEvent>()

/** The shape `AnalyticsEngineDataset.writeDataPoint` takes. */
export interface DataPoint {
  readonly indexes: ReadonlyArray<string>
  readonly blobs: ReadonlyArray<string>
  readonly doubles: ReadonlyArray<number>
}

const MAX_LABELS = 19 // Analytics Engine keeps 20 blobs; blob1 is the event name
const MAX_TEXT = 64
// Anything that could be a point in time: ISO dates / date-times, clock times, epoch seconds or ms.
const looksLikeTime = /\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|\d{10,}/
const NAME = /^[a-z][a-z0-9_]{0,63}$/

/** A label value safe to store: short, and not anything that could carry a busy interval. */
export const safeLabel = (value: string): string =>
  looksLikeTime.test(value) ? "redacted" : value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value

const safeName = (name: string): string => (NAME.test(name) ? name : "invalid_name")

/** A duration or count as stored: finite and not negative, else -1 (a query drops negative values). */
const safeNumber = (value: number): number => (Number.isFinite(value) && value >= 0 ? value : -1)

/** `2xx`…`5xx` (`0` when no HTTP answer arrived). */
export const statusClass = (status: number): string => (status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : "0")

/** The data point an event is written as (Live writes it, Test records it). */
export const toDataPoint = (event: AnalyticsEvent): DataPoint =>
  AnalyticsEvent.$match(event, {
    TimeToMatch: ({ ms, outcome }) => ({
      indexes: ["time_to_match"],
      blobs: ["time_to_match", outcome],
      doubles: [Number.isFinite(ms) && ms >= 0 ? ms : -1]
    }),
    HoldResult: ({ reason, result }) => ({
      indexes: ["hold_result"],
      blobs: ["hold_result", result, safeLabel(reason)],
      doubles: [1]
    }),
    ProviderLatency: ({ ms, provider, status }) => ({
      indexes: ["provider_latency"],
      blobs: ["provider_latency", safeLabel(provider), status >= 200 && status < 400 ? "ok" : "error", String(Math.trunc(status))],
      doubles: [safeNumber(ms)]
    }),
    QueueAge: ({ meanSeconds, messages, oldestSeconds, queue }) => ({
      indexes: ["queue_age"],
      blobs: ["queue_age", safeLabel(queue)],
      doubles: [safeNumber(oldestSeconds), safeNumber(messages), safeNumber(meanSeconds)]
    }),
    ObjectStart: ({ className }) => ({
      indexes: ["do_restart"],
      blobs: ["do_restart", safeLabel(className)],
      doubles: [1]
    }),
    XrpcRequest: ({ method, ms, status }) => ({
      indexes: ["xrpc_request"],
      blobs: ["xrpc_request", safeLabel(method), statusClass(status), String(Math.trunc(status))],
      doubles: [safeNumber(ms)]
    }),
    Count: ({ labels, name }) => ({
      indexes: [safeName(name)],
      blobs: [
        safeName(name),
        ...Object.keys(labels)
          .sort()
          .slice(0, MAX_LABELS)
          .map((key) => `${safeName(key)}=${safeLabel(labels[key]!)}`)
      ],
      doubles: [1]
    })
  })

/** Writes metric points. Never fails and never slows a request: a lost point is only logged. */
export class Analytics extends Context.Tag("overlap/Analytics")<Analytics, {
  /** Time from a match request to its result, in ms, and how it ended (`time_to_match_ms`). */
  readonly timeToMatch: (ms: number, outcome: MatchOutcome) => Effect.Effect<void>
  /** One hold attempt on a calendar: success, or failure with a short reason (e.g. `provider-timeout`). */
  readonly holdResult: (result: HoldResult, reason: string) => Effect.Effect<void>
  /** One HTTP exchange with a calendar provider: its latency and the status (0 = no answer: timeout, network). */
  readonly providerLatency: (provider: string, ms: number, status: number) => Effect.Effect<void>
  /** One queue batch as its consumer received it: the oldest message's age, the count, the mean age (seconds). */
  readonly queueAge: (queue: string, oldestSeconds: number, messages: number, meanSeconds: number) => Effect.Effect<void>
  /** A Durable Object's constructor ran (a new instance: first use, eviction, deploy or crash): `do_restarts`. */
  readonly objectStart: (className: string) => Effect.Effect<void>
  /** One XRPC request answered: method, status, milliseconds (4xx/5xx per method, availability latency). */
  readonly xrpcRequest: (method: string, status: number, ms: number) => Effect.Effect<void>
  /** Counts one occurrence of `name` (lowercase snake_case) with short labels. */
  readonly count: (name: string, labels?: Readonly<Record<string, string>>) => Effect.Effect<void>
}>() {}

/** An `Analytics` that turns each event into its data point and hands it to `write` (Live and Test share this). */
export const analyticsWith = (write: (event: AnalyticsEvent, point: DataPoint) => Effect.Effect<void>): Context.Tag.Service<Analytics> =>
  Analytics.of({
    timeToMatch: (ms, outcome) => {
      const event = AnalyticsEvent.TimeToMatch({ ms, outcome })
      return write(event, toDataPoint(event))
    },
    holdResult: (result, reason) => {
      const event = AnalyticsEvent.HoldResult({ result, reason })
      return write(event, toDataPoint(event))
    },
    providerLatency: (provider, ms, status) => {
      const event = AnalyticsEvent.ProviderLatency({ provider, ms, status })
      return write(event, toDataPoint(event))
    },
    queueAge: (queue, oldestSeconds, messages, meanSeconds) => {
      const event = AnalyticsEvent.QueueAge({ queue, oldestSeconds, messages, meanSeconds })
      return write(event, toDataPoint(event))
    },
    objectStart: (className) => {
      const event = AnalyticsEvent.ObjectStart({ className })
      return write(event, toDataPoint(event))
    },
    xrpcRequest: (method, status, ms) => {
      const event = AnalyticsEvent.XrpcRequest({ method, status, ms })
      return write(event, toDataPoint(event))
    },
    count: (name, labels = {}) => {
      const event = AnalyticsEvent.Count({ name, labels })
      return write(event, toDataPoint(event))
    }
  })
