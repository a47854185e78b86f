import { Clock, Effect, Either, Option, Schema } from "effect"
import { IndexTask, type IngestEvent, recordUri, type RecordWrite, userStatusOf } from "../../domain/ingest/events"
import { backoffDelay } from "../../domain/backoff"
import { validateRecord } from "../../domain/recordValidation"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { AuditEventsRepo } from "../../services/AuditEventsRepo"
import { BookingRequestsRepo } from "../../services/BookingRequestsRepo"
import { type CalendarTaskEnqueueError, CalendarTaskQueue } from "../../services/CalendarTaskQueue"
import { IdentityResolver } from "../../services/IdentityResolver"
import { IngestActivityRepo } from "../../services/IngestActivityRepo"
import { IngestMetrics } from "../../services/IngestMetrics"
import { OffersRepo } from "../../services/OffersRepo"
import { EventTypesRepo } from "../../services/EventTypesRepo"
import { knownLocation } from "../../domain/eventTypes"
import { UsersRepo } from "../../services/UsersRepo"
import type { RepositoryError } from "../../services/RepositoryError"

/** A message that can never be applied (does not decode, or carries an invalid record): acked and audited. */
export class IndexTaskPoison extends Schema.TaggedError<IndexTaskPoison>()("IndexTaskPoison", {
  did: Schema.NullOr(Schema.String),
  reason: Schema.String
}) {}

export type IndexOutcome = "applied" | "unchanged" | "skipped"

type IndexServices = OffersRepo | EventTypesRepo | BookingRequestsRepo | UsersRepo | IngestActivityRepo | IdentityResolver | CalendarTaskQueue

const at = (iso: string): number => Date.parse(iso)

const applyRecordWrite = (event: RecordWrite, attempt: number) =>
  Effect.gen(function*() {
    const valid = validateRecord(event.collection, event.record)
    if (Either.isLeft(valid)) {
      return yield* new IndexTaskPoison({ did: event.did, reason: `${recordUri(event)}: ${valid.left.field} ${valid.left.message}` })
    }
    const user = yield* (yield* UsersRepo).get(event.did)
    const status = Option.match(user, { onNone: () => "active" as const, onSome: (u) => u.status })
    if (status === "deleted") return "skipped" as const
    const uri = recordUri(event)
    const base = { uri, rkey: event.rkey, cid: event.cid, rev: event.rev }
    let applied: boolean
    switch (valid.right.collection) {
      case "app.overlap.slotOffer": {
        const v = valid.right.value
        const offers = yield* OffersRepo
        applied = yield* offers.upsert({
          ...base,
          did: event.did,
          startAt: at(v.start),
          endAt: at(v.end),
          policy: v.policy,
          tz: v.tz,
          note: v.note ?? null,
          createdAt: at(v.createdAt),
          weekly: v.weekly ?? null,
          validFrom: v.validFrom !== undefined ? at(v.validFrom) : null,
          validUntil: v.validUntil !== undefined ? at(v.validUntil) : null
        })
        if (applied && status !== "active") yield* offers.hideForDid(event.did)
        break
      }
      case "app.overlap.bookingRequest": {
        const v = valid.right.value
        const requests = yield* BookingRequestsRepo
        const c = v.constraints
        applied = yield* requests.upsert({
          ...base,
          guestDid: event.did,
          hostDid: v.hostDid,
          offerUri: v.offerUri ?? null,
          eventType: v.eventType ?? null,
          constraints: {
            durationMin: c.durationMin,
            durationMax: c.durationMax,
            tz: c.tz,
            ...(c.earliest !== undefined ? { earliest: c.earliest } : {}),
            ...(c.latest !== undefined ? { latest: c.latest } : {}),
            ...(c.days !== undefined ? { days: c.days } : {})
          },
          status: v.status,
          note: v.note ?? null,
          createdAt: at(v.createdAt)
        })
        if (applied && status !== "active") yield* requests.hideForDid(event.did)
        // the same match as the XRPC `match` call (the calendar-tasks `match-request` task); a retry of this very
        // message re-sends (the upsert already happened on the failed attempt), which the consumer takes as harmless
        if (event._tag === "create" && v.status === "pending" && status === "active" && (applied || attempt > 1)) {
          yield* (yield* CalendarTaskQueue).send({ kind: "match-request", requestUri: uri })
        }
        break
      }
      case "app.overlap.eventType": {
        const v = valid.right.value
        // the record key is the slug: one event type per slug and host, addressable by either
        if (v.slug !== event.rkey) {
          return yield* new IndexTaskPoison({ did: event.did, reason: `${uri}: slug must equal the record key (${event.rkey})` })
        }
        const eventTypes = yield* EventTypesRepo
        applied = yield* eventTypes.upsert({
          ...base,
          did: event.did,
          slug: v.slug,
          name: v.name,
          description: v.description ?? null,
          durations: [...v.durations].sort((a, b) => a - b),
          location: knownLocation(v.location) ?? null,
          policy: v.policy,
          offers: v.offers ?? null,
          createdAt: at(v.createdAt)
        })
        if (applied && status !== "active") yield* eventTypes.hideForDid(event.did)
        break
      }
      default:
        return "skipped" as const
    }
    return applied ? "applied" as const : "unchanged" as const
  })

const applyAccount = (event: Extract<IngestEvent, { _tag: "account" }>, attempt: number) =>
  Effect.gen(function*() {
    const claimed = yield* (yield* IngestActivityRepo).claimAccountEvent(event.did, event.time, attempt > 1)
    if (!claimed) return "unchanged" as const
    const users = yield* UsersRepo
    const known = yield* users.get(event.did)
    if (Option.isNone(known)) yield* users.upsert({ did: event.did, handle: null, pdsEndpoint: null })
    const status = userStatusOf(event)
    // an account already deleted here (the deletion forgot when its event came): a replayed or repeated deletion or
    // takedown changes nothing; a redelivery of this message (attempt > 1) goes on, its task may not have been sent
    if (status === "deleted" && attempt === 1 && Option.exists(known, (u) => u.status === "deleted")) return "unchanged" as const
    yield* users.setStatus(event.did, status).pipe(Effect.catchTag("UserNotFound", () => Effect.void))
    const offers = yield* OffersRepo
    const requests = yield* BookingRequestsRepo
    const eventTypes = yield* EventTypesRepo
    switch (status) {
      case "active":
        yield* offers.unhideForDid(event.did)
        yield* requests.unhideForDid(event.did)
        yield* eventTypes.unhideForDid(event.did)
        break
      case "deleted":
        // status deleted or takendown (userStatusOf): both end the account for Overlap
        yield* offers.purgeForDid(event.did)
        yield* requests.purgeForDid(event.did)
        yield* eventTypes.purgeForDid(event.did)
        // everything else Overlap keeps about the account goes as in app.overlap.account.deleteAccount (the AppView's
        // calendar-tasks consumer, which reaches the booking, connector and session objects)
        yield* (yield* CalendarTaskQueue).send({ kind: "account-deleted", did: event.did })
        break
      default:
        yield* offers.hideForDid(event.did)
        yield* requests.hideForDid(event.did)
        yield* eventTypes.hideForDid(event.did)
    }
    return "applied" as const
  })

const applyIdentity = (event: Extract<IngestEvent, { _tag: "identity" }>) =>
  Effect.gen(function*() {
    yield* (yield* IdentityResolver).invalidate(event.did)
    const users = yield* UsersRepo
    const user = yield* users.get(event.did)
    if (Option.isNone(user) || event.handle === null || user.value.handle === event.handle) return "unchanged" as const
    yield* users.upsert({ did: event.did, handle: event.handle, pdsEndpoint: user.value.pdsEndpoint })
    return "applied" as const
  })

/**
 * Applies one index task: creates/updates/deletes in `offers_index` / `booking_requests` through the repos'
 * rev guard (an older or repeated event changes nothing), account changes (hide / unhide / purge), identity
 * changes. `attempt` is the queue's delivery count for the message.
 */
export const applyIndexTask = (
  task: IndexTask,
  attempt = 1
): Effect.Effect<IndexOutcome, IndexTaskPoison | RepositoryError | CalendarTaskEnqueueError, IndexServices> =>
  Effect.gen(function*() {
    const event = task.event
    let outcome: IndexOutcome
    switch (event._tag) {
      case "create":
      case "update":
        outcome = yield* applyRecordWrite(event, attempt)
        break
      case "delete": {
        const uri = recordUri(event)
        const removed = event.collection === "app.overlap.slotOffer"
          ? yield* (yield* OffersRepo).delete(uri, event.rev)
          : event.collection === "app.overlap.eventType"
          ? yield* (yield* EventTypesRepo).delete(uri, event.rev)
          : yield* (yield* BookingRequestsRepo).delete(uri, event.rev)
        outcome = removed ? "applied" : "unchanged"
        break
      }
      case "account":
        outcome = yield* applyAccount(event, attempt)
        break
      case "identity":
        outcome = yield* applyIdentity(event)
        break
    }
    if (event._tag !== "identity") yield* (yield* IngestActivityRepo).touch(event.did, yield* Clock.currentTimeMillis)
    return outcome
  })

/** Seconds before a failed message is tried again: 5 s, 10 s, 20 s, … capped at 10 minutes. */
export const retryDelaySeconds = (attempts: number): number => backoffDelay({ base: 5, cap: 600 }, attempts)

const decodeTask = Schema.decodeUnknownEither(IndexTask)

/**
 * The `index-tasks` consumer: each message decoded with Schema and applied in batch order; acked on success,
 * retried with backoff on a D1 (or calendar-tasks) failure, acked and audited when poison. Never throws, so one
 * message's failure never redelivers the others.
 */
export const indexTaskBatch = (batch: MessageBatch<unknown>) =>
  Effect.gen(function*() {
    const metrics = yield* IngestMetrics
    const audit = yield* AuditEventsRepo
    const env = yield* CloudflareEnv
    const counts = { applied: 0, unchanged: 0, skipped: 0, poison: 0, retried: 0 }
    for (const message of batch.messages) {
      const decoded = decodeTask(message.body)
      const result = Either.isLeft(decoded)
        ? Either.left(new IndexTaskPoison({ did: null, reason: `undecodable message: ${decoded.left.message.slice(0, 500)}` }))
        : yield* Effect.either(applyIndexTask(decoded.right, message.attempts))
      if (Either.isRight(result)) {
        counts[result.right]++
        if (result.right === "applied" && Either.isRight(decoded)) {
          yield* metrics.count({ name: "index.lagMs", source: decoded.right.source, value: Date.now() - decoded.right.seenAt })
        }
        message.ack()
        continue
      }
      const error = result.left
      if (error._tag === "IndexTaskPoison") {
        counts.poison++
        yield* Effect.logWarning("index-tasks: poison message acknowledged").pipe(Effect.annotateLogs({ id: message.id, reason: error.reason }))
        yield* audit
          .append({
            bookingId: null,
            actorDid: error.did ?? env.APPVIEW_DID,
            eventType: "index.poisonMessage",
            fromState: null,
            toState: null,
            r2Key: null
          })
          .pipe(Effect.catchAll((e) => Effect.logError("index-tasks: audit of a poison message failed", e)))
        message.ack()
        continue
      }
      counts.retried++
      yield* Effect.logWarning("index-tasks: retrying").pipe(Effect.annotateLogs({ id: message.id, attempts: message.attempts, error: String(error) }))
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) })
    }
    for (const [name, value] of Object.entries(counts)) {
      if (value > 0) yield* metrics.count({ name: `index.${name}`, source: "index-tasks", value })
    }
    return counts
  })
