import { Context, Duration, Effect, Layer } from "effect"
import { mergeBusy } from "../../domain/calendar/ranges"
import {
  CalendarProvider,
  ConnectorBroken,
  HoldGone,
  HoldRef,
  type HoldRequest,
  type Interval,
  type ProviderError,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable
} from "../../services/CalendarProvider"

/**
 * An in-memory `CalendarProvider` whose behaviour each test sets per DID: fixed busy time, latency, and
 * injected failures. Holds it places are visible to the test (`holdsOf`) and count as busy, as on a real
 * calendar. The control is a plain object, so a test in workerd can hand the same instance to a Durable
 * Object (same isolate) and keep steering it.
 */

export type InjectedFailure = "rate-limited" | "unavailable" | "rejected" | "broken"

export interface CalendarBehaviour {
  /** Milliseconds every call takes (default 0). */
  readonly latencyMs?: number
  /** Overrides `latencyMs` for `busy`. */
  readonly busyLatencyMs?: number
  /** Overrides `latencyMs` for `placeHold`. */
  readonly placeLatencyMs?: number
  /** Every call fails this way (after the latency). */
  readonly failAll?: InjectedFailure
  /** `busy` fails this way. */
  readonly failBusy?: InjectedFailure
  /** `placeHold` fails this way (the hold is not placed). */
  readonly failPlace?: InjectedFailure
  /** The next N `releaseHold` calls fail with ProviderUnavailable (the hold stays). */
  readonly failReleases?: number
  /** For rate-limited failures (default 1 000 ms). */
  readonly retryAfterMs?: number
}

export interface TestHold {
  readonly did: string
  readonly ref: HoldRef
  readonly request: HoldRequest
  readonly status: "tentative" | "confirmed"
}

export type CalendarOperation = "busy" | "placeHold" | "confirmHold" | "moveHold" | "releaseHold"

export class CalendarProviderTestControl {
  private readonly busyByDid = new Map<string, Array<Interval>>()
  private readonly behaviourByDid = new Map<string, CalendarBehaviour>()
  /** Keyed by did + eventId. */
  readonly holds = new Map<string, TestHold>()
  /** Every call, in order: what the test can assert about (e.g. that busy calls overlapped in time). */
  readonly calls: Array<{ readonly did: string; readonly op: CalendarOperation; readonly startedAt: number; endedAt?: number }> = []
  private sequence = 0

  setBusy(did: string, intervals: ReadonlyArray<Interval>): this {
    this.busyByDid.set(did, [...intervals])
    return this
  }

  private fallback: CalendarBehaviour = {}

  configure(did: string, behaviour: CalendarBehaviour): this {
    this.behaviourByDid.set(did, behaviour)
    return this
  }

  /** The behaviour of every DID not configured on its own (e.g. 100 ms latency for a bench). */
  configureDefault(behaviour: CalendarBehaviour): this {
    this.fallback = behaviour
    return this
  }

  behaviourOf(did: string): CalendarBehaviour {
    return this.behaviourByDid.get(did) ?? this.fallback
  }

  /** The holds currently on `did`'s calendar, earliest first. */
  holdsOf(did: string): ReadonlyArray<TestHold> {
    return [...this.holds.values()].filter((h) => h.did === did).sort((a, b) => a.request.start - b.request.start)
  }

  /** @internal */
  nextEventId(): string {
    return `test-event-${++this.sequence}`
  }

  /** @internal */
  busyOf(did: string): ReadonlyArray<Interval> {
    return [
      ...(this.busyByDid.get(did) ?? []),
      ...this.holdsOf(did).map((h) => ({ start: h.request.start, end: h.request.end }))
    ]
  }

  /** @internal consumes one injected release failure, if any is left */
  takeReleaseFailure(did: string): boolean {
    const behaviour = this.behaviourByDid.get(did) ?? {}
    if (!behaviour.failReleases) return false
    this.behaviourByDid.set(did, { ...behaviour, failReleases: behaviour.failReleases - 1 })
    return true
  }
}

const PROVIDER = "test"

const failure = (kind: InjectedFailure, did: string, behaviour: CalendarBehaviour): ProviderError => {
  switch (kind) {
    case "rate-limited":
      return new ProviderRateLimited({ provider: PROVIDER, retryAfterMs: behaviour.retryAfterMs ?? 1_000 })
    case "unavailable":
      return new ProviderUnavailable({ provider: PROVIDER, cause: new Error(`injected: ${did} unavailable`) })
    case "rejected":
      return new ProviderRejected({ provider: PROVIDER, status: 409, message: `injected: ${did} rejected` })
    case "broken":
      return new ConnectorBroken({ provider: PROVIDER, connectorId: "test", reason: "injected" })
  }
}

export const makeCalendarProviderTest = (control: CalendarProviderTestControl) => {
  /** Records the call, waits the latency, then fails if told to (`specific` before `failAll`). */
  const step = (did: string, op: CalendarOperation, latency: number | undefined, specific?: InjectedFailure) =>
    Effect.suspend(() => {
      const behaviour = control.behaviourOf(did)
      const call: (typeof control.calls)[number] = { did, op, startedAt: Date.now() }
      control.calls.push(call)
      const wait = latency ?? behaviour.latencyMs ?? 0
      const kind = specific ?? behaviour.failAll
      return (wait > 0 ? Effect.sleep(Duration.millis(wait)) : Effect.void).pipe(
        Effect.zipRight(kind ? Effect.fail(failure(kind, did, behaviour)) : Effect.void),
        Effect.ensuring(Effect.sync(() => (call.endedAt = Date.now())))
      )
    })

  const existing = (did: string, ref: HoldRef) => {
    const hold = control.holds.get(`${did}|${ref.eventId}`)
    return hold ? Effect.succeed(hold) : Effect.fail(new HoldGone({ provider: PROVIDER, eventId: ref.eventId }))
  }

  return CalendarProvider.of({
    busy: (did, range) =>
      step(did, "busy", control.behaviourOf(did).busyLatencyMs, control.behaviourOf(did).failBusy).pipe(
        Effect.map(() => mergeBusy(control.busyOf(did), range))
      ),

    placeHold: (did, request) =>
      step(did, "placeHold", control.behaviourOf(did).placeLatencyMs, control.behaviourOf(did).failPlace).pipe(
        Effect.map(() => {
          const same = control.holdsOf(did).find((h) => h.request.bookingId === request.bookingId)
          if (same) return same.ref // idempotent per (did, bookingId)
          const ref = new HoldRef({ provider: PROVIDER, connectorId: PROVIDER, calendarId: did, eventId: control.nextEventId() })
          control.holds.set(`${did}|${ref.eventId}`, { did, ref, request, status: "tentative" })
          return ref
        })
      ),

    confirmHold: (did, ref) =>
      step(did, "confirmHold", undefined).pipe(
        Effect.zipRight(existing(did, ref)),
        Effect.map((hold) => {
          control.holds.set(`${did}|${ref.eventId}`, { ...hold, status: "confirmed" })
          return hold.ref
        })
      ),

    moveHold: (did, ref, to) =>
      step(did, "moveHold", undefined).pipe(
        Effect.zipRight(existing(did, ref)),
        Effect.map((hold) => {
          control.holds.set(`${did}|${ref.eventId}`, { ...hold, request: { ...hold.request, start: to.start, end: to.end } })
          return hold.ref
        })
      ),

    releaseHold: (did, ref) =>
      step(did, "releaseHold", undefined).pipe(
        Effect.zipRight(Effect.suspend(() =>
          control.takeReleaseFailure(did)
            ? Effect.fail(new ProviderUnavailable({ provider: PROVIDER, cause: new Error(`injected: ${did} release failed`) }))
            : Effect.sync(() => void control.holds.delete(`${did}|${ref.eventId}`))
        ))
      )
  })
}

/** The control of the `CalendarProviderTest` layer, for tests written as Effects. */
export class CalendarTestControl extends Context.Tag("overlap/CalendarTestControl")<
  CalendarTestControl,
  CalendarProviderTestControl
>() {}

/** A fresh in-memory provider per build, with its control. */
export const CalendarProviderTest: Layer.Layer<CalendarProvider | CalendarTestControl> = Layer.unwrapEffect(
  Effect.sync(() => {
    const control = new CalendarProviderTestControl()
    return Layer.merge(
      Layer.succeed(CalendarProvider, makeCalendarProviderTest(control)),
      Layer.succeed(CalendarTestControl, control)
    )
  })
)

/** The provider over a control the caller keeps (e.g. handed to a Durable Object in workerd). */
export const calendarProviderTestLayer = (control: CalendarProviderTestControl): Layer.Layer<CalendarProvider> =>
  Layer.succeed(CalendarProvider, makeCalendarProviderTest(control))
