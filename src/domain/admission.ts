/**
 * How many XRPC requests one isolate works on at once. Beyond the limit a request is refused at once with
 * 429 `Overloaded` and a Retry-After, instead of joining a queue of CPU work so long that its own I/O
 * deadlines pass while it waits (one isolate runs every request it holds on one thread; under a burst the
 * answers became 503s from timeouts that were really queueing). Nothing waits on anything here: a request
 * is admitted or refused, and the count is plain numbers, not promises shared across requests.
 */
export interface Admission {
  /** A ticket to hand back to `leave`, or undefined when the isolate is full. */
  readonly enter: (now: number) => number | undefined
  readonly leave: (ticket: number) => void
  readonly inFlight: () => number
}

export interface AdmissionOptions {
  readonly maxInFlight: number
  /** A request still counted after this long is taken to have ended without saying so (the runtime canceled it). */
  readonly forgetAfterMs: number
}

export const defaultAdmission: AdmissionOptions = { maxInFlight: 24, forgetAfterMs: 60_000 }

/** Reads `MAX_INFLIGHT_XRPC` (a positive integer); anything else keeps the default. */
export const parseMaxInFlight = (text: string | undefined): number => {
  const n = Number(text)
  return text !== undefined && Number.isInteger(n) && n > 0 ? n : defaultAdmission.maxInFlight
}

export const makeAdmission = (options: AdmissionOptions = defaultAdmission): Admission => {
  const started = new Map<number, number>()
  let next = 0
  const forgetStale = (now: number) => {
    for (const [ticket, at] of started) if (now - at > options.forgetAfterMs) started.delete(ticket)
  }
  return {
    enter: (now) => {
      if (started.size >= options.maxInFlight) forgetStale(now)
      if (started.size >= options.maxInFlight) return undefined
      const ticket = ++next
      started.set(ticket, now)
      return ticket
    },
    leave: (ticket) => void started.delete(ticket),
    inFlight: () => started.size
  }
}
