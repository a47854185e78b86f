import { Clock, Effect, Option } from "effect"
import { deletedPseudonym } from "../../domain/account/userDataPlan"
import type { Booking } from "../../domain/booking/booking"
import { AccountDeletionUnavailable, type DeletionCause, type DeletionReport } from "../../services/AccountDeletion"
import { HostObjectRecords } from "../../services/HostObjectRecords"
import { AtprotoSessions } from "../../services/AtprotoSessions"
import { BookingRequestsRepo } from "../../services/BookingRequestsRepo"
import { BookingLifecycle, type LifecycleError } from "../../services/BookingLifecycle"
import { BookingsRepo } from "../../services/BookingsRepo"
import { ConnectorsRepo } from "../../services/ConnectorsRepo"
import { ExportStore } from "../../services/ExportStore"
import { IdempotencyKeysRepo } from "../../services/IdempotencyKeysRepo"
import { UserCaches } from "../../services/UserCaches"
import { UserConnectors } from "../../services/UserConnectors"
import { UserDataStore } from "../../services/UserDataStore"
import { UsersRepo } from "../../services/UsersRepo"
import { WebSessions } from "../../services/WebSessions"

/** The reason the other participant reads on the cancellation (invitation, e-mail, webhook). */
export const DELETION_REASON = "the other participant deleted their Overlap account"

/** The statuses of a meeting or hold that is still on: what deletion cancels when it has not ended yet. */
const ON = ["held", "confirmed", "rescheduled"] as const

/** 128 random bits as hex: the opaque id of one deletion. */
const randomHex = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")

const unavailable = (step: string) => (cause: unknown) =>
  Effect.zipRight(
    Effect.logError(`account deletion: ${step} failed`, cause),
    Effect.fail(new AccountDeletionUnavailable({ message: `account deletion could not finish (${step}); nothing is lost, call it again` }))
  )

/** Every booking of `did` (host or guest) that is on and has not ended at `now`. */
const meetingsAhead = (did: string, now: number) =>
  Effect.gen(function*() {
    const bookings = yield* BookingsRepo
    const found: Array<Booking> = []
    let cursor: string | undefined
    do {
      const page = yield* bookings.listForDid({ did, role: "either", limit: 100, cursor, statuses: ON })
      found.push(...page.items.filter((b) => b.endAt > now))
      cursor = Option.getOrUndefined(page.cursor)
    } while (cursor !== undefined)
    return found
  })

/** A booking another command ended meanwhile is not this deletion's to cancel; anything else stops the deletion. */
const settledMeanwhile = (e: LifecycleError) => e._tag === "TransitionRefused" || e._tag === "HoldExpired" || e._tag === "BookingNotFound"

/**
 * The person's side of their meetings ahead, through the normal lifecycle (BookingDO): confirmed or rescheduled
 * meetings are canceled and a hold they made as guest is canceled — both calendars released, the other participant
 * notified (METHOD:CANCEL, webhooks); a hold waiting for them as host is declined.
 */
const cancelMeetingsAhead = (did: string, now: number) =>
  Effect.gen(function*() {
    const lifecycle = yield* BookingLifecycle
    let canceled = 0
    for (const booking of yield* meetingsAhead(did, now)) {
      const command = { bookingId: booking.id, callerDid: did, reason: DELETION_REASON }
      const run = booking.status === "held" && booking.hostDid === did ? lifecycle.decline(command) : lifecycle.cancel(command)
      const done = yield* run.pipe(
        Effect.as(true),
        Effect.catchIf(settledMeanwhile, () => Effect.succeed(false))
      )
      if (done) canceled++
    }
    return canceled
  })

/** The token of a stored app.overlap.match answer that was a pending match (202), if it is one. */
const pendingTokenOf = (body: string): ReadonlyArray<string> => {
  try {
    const token = (JSON.parse(body) as { result?: { token?: unknown } }).result?.token
    return typeof token === "string" ? [token] : []
  } catch {
    return []
  }
}

/**
 * Where the person's pending matches wait (HostObjectRecords): as host, their own object; as guest, the objects named by
 * the tokens app.overlap.match answered them with (the Idempotency-Key ledger keeps each answer 24 h, longer than a
 * pending match lives) and the hosts of their booking requests still pending.
 */
const pendingMatchPlaces = (did: string, now: number) =>
  Effect.gen(function*() {
    const answers = yield* (yield* IdempotencyKeysRepo).answersOf(did, "app.overlap.match", 202, now)
    const requests = yield* BookingRequestsRepo
    const hostDids = new Set<string>()
    let cursor: string | undefined
    do {
      const page = yield* requests.listByGuest({ did, limit: 100, cursor, status: "pending", includeHidden: true })
      for (const request of page.items) hostDids.add(request.hostDid)
      cursor = Option.getOrUndefined(page.cursor)
    } while (cursor !== undefined)
    return { hostDids: [...hostDids], tokens: answers.flatMap(pendingTokenOf) }
  })

/** The person's matches still pending (202, not yet held), as guest or host: stopped now, not at their deadline. */
const cancelPendingMatches = (did: string, now: number) =>
  Effect.flatMap(pendingMatchPlaces(did, now), (places) => Effect.flatMap(HostObjectRecords, (records) => records.forgetMatches(did, places)))

/** Every connector the person still has: push channels stopped, tokens revoked where the provider allows, credential gone. */
const removeConnectors = (did: string) =>
  Effect.gen(function*() {
    const connectors = yield* (yield* ConnectorsRepo).listForDid(did)
    const userConnectors = yield* UserConnectors
    let removed = 0
    for (const connector of connectors) {
      yield* userConnectors.remove(did, connector.id).pipe(Effect.catchTag("ConnectorNotFound", () => Effect.void))
      removed++
    }
    return removed
  })

/**
 * Deletes a person from every store, in an order that keeps a retry possible: pending matches (202) stopped, then
 * meetings ahead (they need the person's connectors to release holds on their calendars; and the host object's record
 * of the day shard each hold lives in, dropped after them), then the connectors, the sign-in (the atproto session
 * revoked at the authorization server, every browser session ended), export bundles in R2, the caches keyed by their
 * DID, and last every D1 row the user-data registry (src/domain/account/userData.ts) marks `delete` or `expires`;
 * in the rows that stay for the other participant (their bookings, the audit trail) the DID becomes an opaque id.
 * Idempotent: each step finds nothing the second time. A network deletion leaves `users(did, status 'deleted')`.
 */
export const deleteAccount = (did: string, cause: DeletionCause) =>
  Effect.gen(function*() {
    const users = yield* UsersRepo
    const known = yield* users.get(did).pipe(Effect.catchAll(unavailable("reading the account")))
    const now = yield* Clock.currentTimeMillis
    // pending matches first: one running now is waited for, and what it held is then a meeting ahead canceled below
    const canceledMatches = yield* cancelPendingMatches(did, now).pipe(Effect.catchAll(unavailable("canceling pending matches")))
    const canceledMeetings = yield* cancelMeetingsAhead(did, now).pipe(Effect.catchAll(unavailable("canceling meetings ahead")))
    // their holds released: the host object's record of which day shard kept each (day shards on) goes too
    yield* (yield* HostObjectRecords).forgetShardHomes(did).pipe(Effect.catchAll(unavailable("clearing the day-shard records")))
    const removedConnectors = yield* removeConnectors(did).pipe(Effect.catchAll(unavailable("removing calendar connectors")))
    yield* (yield* AtprotoSessions).signOut(did)
    yield* (yield* WebSessions).revokeAll(did).pipe(Effect.catchAll(unavailable("ending browser sessions")))
    const removedExports = yield* (yield* ExportStore).removeAll(did).pipe(Effect.catchAll(unavailable("removing export bundles")))
    const removedCacheEntries = yield* (yield* UserCaches).forget(did)
    const handle = Option.getOrUndefined(Option.flatMap(known, (u) => Option.fromNullable(u.handle)))
    const pseudonym = deletedPseudonym(yield* Effect.sync(randomHex))
    const removedRows = yield* (yield* UserDataStore).deleteRows({ did, handle }, pseudonym).pipe(Effect.catchAll(unavailable("removing database rows")))
    if (cause === "network") {
      yield* users.upsert({ did, handle: null, pdsEndpoint: null }).pipe(
        Effect.zipRight(users.setStatus(did, "deleted")),
        Effect.catchAll(unavailable("marking the DID deleted"))
      )
    }
    const deletedAt = yield* Clock.currentTimeMillis
    yield* Effect.logInfo("account deleted").pipe(
      Effect.annotateLogs({ cause, canceledMatches, canceledMeetings, removedConnectors, removedExports, removedCacheEntries, removedRows })
    )
    return { did, deletedAt, canceledMatches, canceledMeetings, removedConnectors, removedExports, removedCacheEntries, removedRows } satisfies DeletionReport
  })
