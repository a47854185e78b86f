import { collectBusy } from "../../src/domain/calendar/icalBusy"
import { mergeBusy, type Span } from "../../src/domain/calendar/ranges"
import { zoneFor } from "../../src/domain/slots/zone"

/**
 * Busy-time expansion as test/connectors/hostileRecurrence.test.ts runs it, in a worker thread (isolatedRun.ts).
 * `clock`: "frozen" stands still, as a deployed Worker's clock does inside synchronous code (only the step
 * limits can stop an expansion); "tick" moves 1 ms per reading, so the time limits fire at a known point.
 */
export const expand = (
  objects: ReadonlyArray<string>,
  range: Span,
  zone: string,
  limits: Record<string, number>,
  clock: "frozen" | "tick"
) => {
  let now = 0
  const out: Array<Span> = []
  const started = performance.now()
  const report = collectBusy(objects, range, {
    calendarZone: zoneFor(zone)!,
    ...limits,
    clock: clock === "frozen" ? () => 0 : () => ++now
  }, out) as { readonly unexpanded: ReadonlyArray<string> } | undefined
  return { busy: mergeBusy(out, range), unexpanded: report?.unexpanded ?? [], ms: Math.round(performance.now() - started) }
}
