import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { Clock, Context, Duration, Effect, Either, Layer, Option } from "effect"
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from "../../domain/idempotency"
import { toMatchRequest } from "../../domain/holds/matchInput"
import { hostRulesIn, lexiconField } from "../../domain/matching/hostRules"
import { slotSearchFor } from "../../domain/holds/slotSearch"
import { findSlots, type SlotInputInvalid } from "../../domain/slots"
import type { DefsConstraints, DefsHold } from "../../lexicon/schemas"
import { bookableOffers, visibleTo } from "./bookableOffers"
import { bookingIdFor, matchAndRecord, recordRefusedMatch } from "./matchAndRecord"
import { Analytics } from "../../services/Analytics"
import { CalendarProvider } from "../../services/CalendarProvider"
import { type Held, HoldStore } from "../../services/HoldStore"
import { IdentityResolver } from "../../services/IdentityResolver"
import { type IndexedOffer, OffersRepo } from "../../services/OffersRepo"
import { encodeCursor } from "../../services/Page"
import { type Guest, SocialGraph } from "../../services/SocialGraph"
import { InvalidCursorError } from "../bookings/BookingsApi"
import { Caller } from "../xrpc/Caller"
import { idempotent } from "../xrpc/Idempotency"
import { OverlapApi } from "../OverlapApi"
import { CurrentRequester, Requester } from "../xrpc/Requester"
import { nsidOf } from "../xrpc/xrpcGate"
import {
  AccountRequired,
  AccountRequiredError,
  CalendarUnavailableError,
  HostNotFoundError,
  InvalidConstraintsError,
  MatchingNotConfiguredError,
  MatchNotFoundError,
  NoSlotAvailableError,
  NotParticipantError,
  OfferNotFoundError,
  TierNotMetError
} from "./MatchingApi"

const iso = (ms: number): string => new Date(ms).toISOString()

/** How many candidate slots getAvailability answers with (the lexicon's maximum). */
const AVAILABILITY_SLOTS = 5
/** How long getAvailability waits for both calendars. */
const AVAILABILITY_BUDGET_MS = 2_000
/** How many index pages getOffers reads to fill one page of offers the caller may see. */
const OFFER_PAGES_SCANNED = 5

const holdView = (hold: Held): DefsHold => ({
  bookingId: hold.bookingId,
  slot: { start: iso(hold.start), end: iso(hold.end) },
  expiresAt: iso(hold.expiresAt)
})

const offerView = (offer: IndexedOffer) => ({
  uri: offer.uri,
  cid: offer.cid,
  hostDid: offer.did,
  start: iso(offer.startAt),
  end: iso(offer.endAt),
  policy: offer.policy,
  tz: offer.tz,
  ...(offer.note !== null ? { note: offer.note } : {})
})

const invalidConstraints = (prefix: string) => (error: SlotInputInvalid) =>
  new InvalidConstraintsError({ message: `${lexiconField(error.field, prefix)}: ${error.reason}` })

/** A DID as given; a handle resolved (one that does not resolve is HostNotFound). */
const resolveHost = (host: string) =>
  host.startsWith("did:")
    ? Effect.succeed(host)
    : Effect.flatMap(IdentityResolver, (identity) => identity.resolveHandle(host)).pipe(
      Effect.mapError(() => new HostNotFoundError({ message: `host: ${host} does not resolve to an account` }))
    )

/** bookableOffers with its refusals as XRPC errors (and, for a match, counted). */
const offersFor = (hostDid: string, guest: string | Guest, offerUri: string | undefined) =>
  bookableOffers(hostDid, guest, offerUri).pipe(
    Effect.catchTags({
      OfferMissing: () => Effect.fail(new OfferNotFoundError({ message: `offer: no published offer ${offerUri} by this host` })),
      NoOffers: () => Effect.fail(new HostNotFoundError({ message: "host: no published offers on this service" })),
      TierRefused: (refusal) =>
        Effect.fail(new TierNotMetError({ message: `your relationship with the host does not meet the offer's policy (${refusal.reason})` })),
      RepositoryError: (error) => Effect.die(error)
    })
  )

/**
 * Who is asking, for the methods anonymous callers may use (`XrpcOptionalAuth`): a DID, or an anonymous,
 * Turnstile-verified guest — who sees and queries only tier-`anyone` offers and has no calendar.
 */
const currentGuest: Effect.Effect<Guest, never, CurrentRequester> = Effect.map(
  CurrentRequester,
  Requester.$match({ Authenticated: ({ did }): Guest => ({ did }), Anonymous: (): Guest => ({ anonymous: true }) })
)

/**
 * `AccountRequired` (MatchingApi.ts): `match` and `getMatchStatus` without `Authorization` are refused with
 * the reason (the hold goes on the guest's calendar, the booking is the guest DID's) before `XrpcAuth`
 * would answer a bare `AuthMissing`. With the header, `XrpcAuth` decides.
 */
export const AccountRequiredLive = Layer.succeed(
  AccountRequired,
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.headers.authorization !== undefined) return
    const method = nsidOf(new URL(request.url, "http://xrpc").pathname) ?? "this method"
    return yield* new AccountRequiredError({
      message: `${method} needs your atproto account (service-auth): a match reads your calendar's free/busy, holds the time on it ` +
        "and records the booking under your DID, so it cannot be made anonymously. Anonymous callers may use getOffers and " +
        "getAvailability (tier-anyone offers, with a Turnstile token)"
    })
  })
)

/** The services the matching methods use; the AppView graph provides them all. */
export type MatchingServices = OffersRepo | SocialGraph | HoldStore | CalendarProvider | Analytics | IdentityResolver

/**
 * Looked up per request (as ConnectorsHttp does): a handler built over a graph without them — a test of
 * another feature, a worker that does not match — answers 503 `MatchingNotConfigured` instead of failing to build.
 */
const matchingContext = Effect.gen(function*() {
  const services = yield* Effect.all({
    offers: Effect.serviceOption(OffersRepo),
    graph: Effect.serviceOption(SocialGraph),
    holds: Effect.serviceOption(HoldStore),
    calendar: Effect.serviceOption(CalendarProvider),
    analytics: Effect.serviceOption(Analytics),
    identity: Effect.serviceOption(IdentityResolver)
  })
  const all = Option.all(services)
  if (Option.isNone(all)) return yield* new MatchingNotConfiguredError({ message: "matching is not available on this service" })
  const s = all.value
  return Context.make(OffersRepo, s.offers).pipe(
    Context.add(SocialGraph, s.graph),
    Context.add(HoldStore, s.holds),
    Context.add(CalendarProvider, s.calendar),
    Context.add(Analytics, s.analytics),
    Context.add(IdentityResolver, s.identity)
  )
})

const withMatching = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(matchingContext, (context) => Effect.provide(effect, context))

/** The matching handlers, with the `AccountRequired` middleware they use (the other middleware come from xrpcHandler). */
export const MatchingHttpLive = HttpApiBuilder.group(OverlapApi, "matching", (handlers) =>
  Effect.sync(() =>
    handlers
      .handle("getOffers", ({ urlParams }) =>
        withMatching(Effect.gen(function*() {
          const offers = yield* OffersRepo
          const guest = yield* currentGuest
          const hostDid = yield* resolveHost(urlParams.host)
          const visible = yield* visibleTo(hostDid, guest)
          const from = urlParams.from !== undefined ? Date.parse(urlParams.from) : undefined
          const to = urlParams.until !== undefined ? Date.parse(urlParams.until) : undefined
          const shown: Array<IndexedOffer> = []
          let cursor = urlParams.cursor
          // Offers the caller may not see are skipped, not counted: pages fill from the next index page.
          for (let scanned = 0; scanned < OFFER_PAGES_SCANNED; scanned++) {
            const page = yield* offers.listByHost({ did: hostDid, from, to, limit: urlParams.limit, cursor }).pipe(
              Effect.catchTags({
                InvalidCursor: () => Effect.fail(new InvalidCursorError({ message: "cursor: not a cursor this service issued" })),
                RepositoryError: (error) => Effect.die(error)
              })
            )
            for (const [i, offer] of page.items.entries()) {
              if (!visible(offer)) continue
              shown.push(offer)
              if (shown.length === urlParams.limit) {
                const more = i < page.items.length - 1 || Option.isSome(page.cursor)
                return {
                  offers: shown.map(offerView),
                  ...(more ? { cursor: encodeCursor([offer.startAt, offer.uri]) } : {})
                }
              }
            }
            if (Option.isNone(page.cursor)) return { offers: shown.map(offerView) }
            cursor = page.cursor.value
          }
          return { offers: shown.map(offerView), ...(cursor !== undefined ? { cursor } : {}) }
        })))
      .handle("getAvailability", ({ urlParams }) =>
        withMatching(Effect.gen(function*() {
          const calendar = yield* CalendarProvider
          const guest = yield* currentGuest
          const hostDid = yield* resolveHost(urlParams.host)
          const usable = yield* offersFor(hostDid, guest, urlParams.offer)
          const constraints: DefsConstraints = {
            durationMin: urlParams.durationMin,
            durationMax: urlParams.durationMax ?? urlParams.durationMin,
            earliest: urlParams.earliest,
            latest: urlParams.latest,
            tz: urlParams.tz,
            ...(urlParams.days !== undefined ? { days: urlParams.days } : {})
          }
          const now = yield* Clock.currentTimeMillis
          const request = toMatchRequest({
            hostDid,
            guestDid: "did" in guest ? guest.did : "anonymous",
            bookingId: "availability",
            offers: usable,
            constraints,
            hostRules: hostRulesIn(usable[0]!.tz),
            now
          })
          // Bad input is refused before any calendar is asked; the range is the one `match` reads.
          const search = slotSearchFor(request, now, AVAILABILITY_SLOTS)
          if (Either.isLeft(search)) return yield* invalidConstraints("")(search.left)
          const { query, range } = search.right
          if (range === undefined) return { slots: [] }
          const unavailable = (party: string) => () =>
            new CalendarUnavailableError({ message: `the ${party}'s calendar cannot be reached right now; try again later` })
          // The busy intervals live only in this fiber: they go into the slot engine and nowhere else.
          // An anonymous guest has no calendar here: only the host's busy time (and the offer) shapes the slots.
          const { guestBusy, hostBusy } = yield* Effect.all({
            hostBusy: Effect.mapError(calendar.busy(hostDid, range), unavailable("host")),
            guestBusy: "did" in guest ? Effect.mapError(calendar.busy(guest.did, range), unavailable("guest")) : Effect.succeed([])
          }, { concurrency: 2 }).pipe(
            Effect.timeoutFail({ duration: Duration.millis(AVAILABILITY_BUDGET_MS), onTimeout: unavailable("host or guest") })
          )
          const slots = findSlots({ ...query, hostBusy, guestBusy })
          if (Either.isLeft(slots)) return yield* invalidConstraints("")(slots.left)
          return { slots: slots.right.map((slot) => ({ start: iso(slot.start), end: iso(slot.end) })) }
        })))
      .handle("match", ({ payload }) =>
        withMatching(idempotent(Effect.gen(function*() {
          const caller = yield* Caller
          const started = yield* Clock.currentTimeMillis
          const http = yield* HttpServerRequest.HttpServerRequest
          const key = Either.getOrElse(parseIdempotencyKey(http.headers[IDEMPOTENCY_KEY_HEADER]), () => "")
          // One booking per (caller, key): a retry after a lost answer reaches the same hold.
          const bookingId = yield* bookingIdFor(caller.did, "app.overlap.match", key)
          const usable = yield* offersFor(payload.hostDid, caller.did, payload.offerUri).pipe(
            Effect.tapError((error) => recordRefusedMatch(error._tag, started))
          )
          const request = toMatchRequest({
            hostDid: payload.hostDid,
            guestDid: caller.did,
            bookingId,
            offers: usable,
            constraints: payload.constraints,
            hostRules: hostRulesIn(usable[0]!.tz),
            now: started,
            ...(payload.offerUri !== undefined ? { offerUri: payload.offerUri } : {})
          })
          const outcome = yield* matchAndRecord(request).pipe(
            Effect.catchTags({
              SlotInputInvalid: (error) => Effect.fail(invalidConstraints("constraints.")(error)),
              NoSlotAvailable: (error) => Effect.fail(new NoSlotAvailableError({ message: error.message })),
              CalendarUnavailable: (error) =>
                Effect.fail(new CalendarUnavailableError({ message: `the ${error.party}'s calendar cannot be reached right now; try again later` })),
              HoldStoreError: (error) => Effect.die(error)
            })
          )
          if (outcome._tag === "Held") {
            return { result: { $type: "app.overlap.defs#hold" as const, ...holdView(outcome) } }
          }
          return { result: { $type: "app.overlap.defs#pendingMatch" as const, token: outcome.token, retryAfterSec: outcome.retryAfterSec } }
        }))))
      .handle("getMatchStatus", ({ urlParams }) =>
        withMatching(Effect.gen(function*() {
          const holds = yield* HoldStore
          const caller = yield* Caller
          const status = yield* holds.getMatchStatus(urlParams.token, caller.did).pipe(
            Effect.catchTags({
              MatchNotFound: () => Effect.fail(new MatchNotFoundError({ message: "token: unknown or expired" })),
              NotParticipant: () => Effect.fail(new NotParticipantError({ message: "token: this match belongs to another caller" })),
              HoldStoreError: (error) => Effect.die(error)
            })
          )
          switch (status._tag) {
            case "pending":
              return { status: "pending" as const, retryAfterSec: status.retryAfterSec }
            case "held":
              return { status: "held" as const, hold: holdView(status.hold) }
            case "failed":
              return { status: "failed" as const, failure: status.failure }
          }
        })))
  )).pipe(Layer.provide(AccountRequiredLive))
