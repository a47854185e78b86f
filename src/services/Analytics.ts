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
 * - any `count(name, labels)`: blob2… = `key=value` labels sorted by key; double1 = 1.
 */

/** How a match ended: a slot held, a token to poll (202), no common time, a policy refusal, or an error. */
export type MatchOutcome = "held" | "pending" | "no-slot" | "refused" | "error"
export type HoldResult = "success" | "failure"

export type AnalyticsEvent = Data.TaggedEnum<{
  TimeToMatch: { readonly ms: number; readonly outcome: MatchOutcome }
  HoldResult: { readonly result: HoldResult; readonly reason: string }
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
    count: (name, labels = {}) => {
      const event = AnalyticsEvent.Count({ name, labels })
      return write(event, toDataPoint(event))
    }
  })
