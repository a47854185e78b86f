/**
 * Dead letters (docs/operations.md, "Dead letters"): a message a consumer gave up on lands in its queue's
 * `<queue>-dlq`. The AppView consumes every `*-dlq` queue and records each message (sealed) so the operator console
 * can show, replay and drop it. Pure helpers: which queue a dead letter came from, what it was, what to replay.
 */

/** The queues whose dead letters are recorded: the name before `-dlq` (and before `-staging` / `-production`). */
export const SOURCE_QUEUES = ["index-tasks", "calendar-tasks", "notify-tasks"] as const
export type SourceQueue = typeof SOURCE_QUEUES[number]

/** `calendar-tasks-staging-dlq` → `calendar-tasks-staging`; undefined for a queue that is not a dead-letter queue. */
export const sourceQueueOf = (dlq: string): string | undefined =>
  dlq.endsWith("-dlq") && dlq.length > 4 ? dlq.slice(0, -4) : undefined

/** The family of a queue (`calendar-tasks-staging` → `calendar-tasks`), which picks the producer to replay with. */
export const queueFamilyOf = (queue: string): SourceQueue | undefined =>
  SOURCE_QUEUES.find((family) => queue === family || queue.startsWith(`${family}-`))

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The notify consumer puts its own envelope on the DLQ (`{ reason, messageId, attempts, error, body }`, see
 * services/DeadLetters.ts); the runtime puts the bare body there after `max_retries`. Either way: the body to
 * replay, how many attempts were made when known, and the last error when known.
 */
export interface Unwrapped {
  readonly body: unknown
  readonly attempts: number | null
  readonly error: string | null
  readonly reason: string | null
}

export const unwrapDeadLetter = (received: unknown): Unwrapped => {
  if (
    isRecord(received) && typeof received.reason === "string" && typeof received.messageId === "string" &&
    typeof received.attempts === "number" && "body" in received
  ) {
    return {
      body: received.body,
      attempts: received.attempts,
      error: typeof received.error === "string" ? received.error : null,
      reason: received.reason
    }
  }
  return { body: received, attempts: null, error: null, reason: null }
}

const SAFE_LABEL = /^[a-z][a-z0-9._#-]{0,63}$/i

/**
 * What a body is, without personal data: its `kind` (calendar-tasks, index-tasks), its `type` or `channel`
 * (notify-tasks), else `unknown`. Only short identifier-like values are kept (a DID or an address never is one).
 */
export const kindOf = (body: unknown): string => {
  if (!isRecord(body)) return "unknown"
  const parts: Array<string> = []
  for (const key of ["kind", "$type", "type", "channel"]) {
    const value = body[key]
    if (typeof value === "string" && SAFE_LABEL.test(value) && !value.startsWith("did:")) parts.push(value)
  }
  const event = body.event
  if (isRecord(event) && typeof event.type === "string" && SAFE_LABEL.test(event.type)) parts.push(event.type)
  return parts.length > 0 ? parts.join(" ") : "unknown"
}

const ADDRESS = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g

/** E-mail addresses masked (`a…@example.com`): what the console shows of a body or an error. */
export const maskAddresses = (text: string): string => text.replace(ADDRESS, "$1…@$2")

/** A body as the console shows it: pretty JSON with e-mail addresses masked. */
export const showBody = (body: unknown): string => maskAddresses(JSON.stringify(body, null, 2) ?? "null")

/** Dead letters older than this are deleted when the console reads (they carry sealed personal data). */
export const DEAD_LETTER_RETENTION_MS = 14 * 24 * 60 * 60 * 1000

/** A dead letter's record id as the console accepts it (queue message ids are hex; test ids may be words). */
export const DEAD_LETTER_ID = /^[A-Za-z0-9._:-]{1,128}$/
