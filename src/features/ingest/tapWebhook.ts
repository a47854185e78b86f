import { Clock, Effect, Either } from "effect"
import { decodeTapEvent, tapCredentialsOf } from "../../domain/ingest/tap"
import { timingSafeEqual } from "../../domain/crypto/timingSafeEqual"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { FirehoseCursorsRepo } from "../../services/FirehoseCursorsRepo"
import { IdentityResolver } from "../../services/IdentityResolver"
import { IngestMetrics } from "../../services/IngestMetrics"
import { admitEvents } from "./admit"
import { IndexTaskQueue } from "../../services/IndexTaskQueue"

export const TAP_SOURCE = "tap"
const MAX_BODY_BYTES = 1024 * 1024

const answer = (status: number, body: Record<string, unknown>) => Response.json(body, { status })

/**
 * `POST /tap/webhook`: one Tap event per request (Tap's webhook mode). Authenticated like Tap sends it, HTTP Basic
 * `admin:<TAP_WEBHOOK_SECRET>` (Tap's TAP_ADMIN_PASSWORD). Answers 2xx — which Tap takes as the ack — only after the
 * event's index tasks are on the queue; a queue failure is a 503, so Tap retries. An event that cannot be decoded,
 * or an invalid record, is acknowledged (counted, logged, audited): Tap would otherwise retry it forever and hold
 * back that repo's later events.
 */
export const handleTapWebhook = (request: Request) =>
  Effect.gen(function*() {
    const env = yield* CloudflareEnv
    const metrics = yield* IngestMetrics
    if (request.method !== "POST") return answer(405, { error: "MethodNotAllowed", message: "POST only" })
    const secret = env.TAP_WEBHOOK_SECRET
    if (secret === undefined || secret === "") {
      return answer(503, { error: "TapNotConfigured", message: "TAP_WEBHOOK_SECRET is not set" })
    }
    const credentials = tapCredentialsOf(request.headers.get("authorization"))
    const authorized = credentials !== null && timingSafeEqual(credentials.user, "admin") && timingSafeEqual(credentials.password, secret)
    if (!authorized) {
      yield* metrics.count({ name: "tap.unauthorized", source: TAP_SOURCE, value: 1 })
      return new Response(JSON.stringify({ error: "AuthRequired", message: "Basic auth as Tap sends it is required" }), {
        status: 401,
        headers: { "content-type": "application/json", "www-authenticate": 'Basic realm="tap"' }
      })
    }
    const text = yield* Effect.promise(() => request.text())
    if (text.length > MAX_BODY_BYTES) return answer(413, { error: "PayloadTooLarge", message: "one event per request" })
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    const now = yield* Clock.currentTimeMillis
    const decoded = decodeTapEvent(json, now)
    if (Either.isLeft(decoded)) {
      yield* metrics.count({ name: "tap.undecodable", source: TAP_SOURCE, value: 1 })
      yield* Effect.logWarning("tap: undecodable event acknowledged").pipe(Effect.annotateLogs({ error: decoded.left.message }))
      return answer(200, { ok: true, skipped: "undecodable" })
    }
    const { id, events } = decoded.right
    const identity = yield* IdentityResolver
    for (const event of events) if (event._tag === "identity") yield* identity.invalidate(event.did)
    const { tasks, rejected } = yield* admitEvents(TAP_SOURCE, events)
    if (tasks.length > 0) {
      const sent = yield* Effect.either((yield* IndexTaskQueue).send(tasks))
      if (Either.isLeft(sent)) {
        yield* Effect.logError("tap: enqueue failed", sent.left.cause)
        return answer(503, { error: "QueueUnavailable", message: "try again" })
      }
      yield* metrics.count({ name: "events.enqueued", source: TAP_SOURCE, value: tasks.length })
    }
    // Tap keeps its own cursor; ours is a record of how far it got (monotonic, best effort)
    yield* (yield* FirehoseCursorsRepo).set(TAP_SOURCE, id).pipe(Effect.catchAll(() => Effect.void))
    return answer(200, { ok: true, id, enqueued: tasks.length, invalid: rejected.length })
  })
