import { Effect, Option } from "effect"
import { DEFAULT_EVENT_TYPE_DURATIONS, DEFAULT_EVENT_TYPE_NAME, DEFAULT_EVENT_TYPE_SLUG, type EventLocation, isSlug } from "../../domain/eventTypes"
import type { PolicyTier } from "../../domain/policy"
import { DEFAULT_DURATION_LADDER_MIN } from "../../domain/slots/coarse"
import { EventTypesRepo, type IndexedEventType } from "../../services/EventTypesRepo"
import type { IndexedOffer } from "../../services/OffersRepo"
import type { Guest } from "../../services/SocialGraph"
import { meetsTier } from "./bookableOffers"
import { InvalidEventType, OfferNotFound, TierNotMet } from "./offerRefusals"
import { offersFor } from "./offerAccess"

/**
 * Event types in the matching methods (issue 15 item 2, docs/records.md): `eventType` names one of the host's
 * `app.overlap.eventType` records by slug or AT URI; a host with none has the default (slug "default": every
 * offer, the default lengths, each offer's own tier). It narrows the offers to those it draws on, adds its
 * tier, and fixes the lengths a guest may pick — which are also the ladder availability answers in.
 */
export interface EventType {
  readonly uri: string | undefined
  readonly hostDid: string
  readonly slug: string
  readonly name: string
  readonly description: string | undefined
  readonly durations: ReadonlyArray<number>
  readonly location: EventLocation | undefined
  /** undefined: each offer's own tier only (the default event type) */
  readonly policy: PolicyTier | undefined
  /** undefined: all of the host's offers */
  readonly offers: ReadonlyArray<string> | undefined
}

export const defaultEventType = (hostDid: string): EventType => ({
  uri: undefined,
  hostDid,
  slug: DEFAULT_EVENT_TYPE_SLUG,
  name: DEFAULT_EVENT_TYPE_NAME,
  description: undefined,
  durations: DEFAULT_EVENT_TYPE_DURATIONS,
  location: undefined,
  policy: undefined,
  offers: undefined
})

const fromIndex = (row: IndexedEventType): EventType => ({
  uri: row.uri,
  hostDid: row.did,
  slug: row.slug,
  name: row.name,
  description: row.description ?? undefined,
  durations: row.durations,
  location: row.location ?? undefined,
  policy: row.policy,
  offers: row.offers ?? undefined
})

const unknownEventType = (ref: string) =>
  new InvalidEventType({ message: `eventType: ${JSON.stringify(ref)} is not one of this host's event types` })

/** The host's event types, or the default one when the host has none. */
export const eventTypesOf = (hostDid: string) =>
  Effect.flatMap(EventTypesRepo, (repo) => repo.listByHost(hostDid)).pipe(
    Effect.map((rows) => (rows.length === 0 ? [defaultEventType(hostDid)] : rows.map(fromIndex))),
    Effect.catchTag("RepositoryError", Effect.die)
  )

/** The event type `ref` (a slug or an AT URI) names, of this host; undefined when none is asked for. 400 otherwise. */
export const eventTypeFor = (hostDid: string, ref: string | undefined) =>
  Effect.gen(function*() {
    if (ref === undefined) return undefined
    const repo = yield* EventTypesRepo
    if (ref.startsWith("at://")) {
      const [authority, collection, rkey] = ref.slice("at://".length).split("/")
      if (authority !== hostDid || collection !== "app.overlap.eventType" || rkey === undefined) return yield* unknownEventType(ref)
      const row = yield* repo.get(ref)
      return Option.isSome(row) ? fromIndex(row.value) : yield* unknownEventType(ref)
    }
    if (!isSlug(ref)) return yield* new InvalidEventType({ message: "eventType: must be a slug (lowercase letters, digits, hyphens) or an AT URI" })
    const row = yield* repo.getBySlug(hostDid, ref)
    if (Option.isSome(row)) return fromIndex(row.value)
    if (ref === DEFAULT_EVENT_TYPE_SLUG && (yield* repo.listByHost(hostDid)).length === 0) return defaultEventType(hostDid)
    return yield* unknownEventType(ref)
  }).pipe(Effect.catchTag("RepositoryError", Effect.die))

/**
 * The offers a guest may book under an event type: `offersFor` (each offer's own tier), then only the offers
 * the event type draws on, and the event type's own tier. Without an event type, `offersFor` as it is.
 */
export const offersForEventType = (hostDid: string, guest: string | Guest, offerUri: string | undefined, eventType: EventType | undefined) =>
  Effect.flatMap(offersFor(hostDid, guest, offerUri), (offers) =>
    eventType === undefined ? Effect.succeed(offers) : narrowToEventType(hostDid, guest, offers, eventType))

/** Of the offers a guest may book, those an event type draws on, once the guest meets the event type's own tier. */
export const narrowToEventType = (hostDid: string, guest: string | Guest, offers: ReadonlyArray<IndexedOffer>, eventType: EventType) =>
  Effect.gen(function*() {
    if (eventType.policy !== undefined) {
      const decision = (yield* meetsTier(hostDid, guest))(eventType.policy)
      if (decision._tag === "Refused") {
        return yield* new TierNotMet({ message: `your relationship with the host does not meet the event type's policy (${decision.reason})` })
      }
    }
    const drawsOn = eventType.offers
    const usable: ReadonlyArray<IndexedOffer> = drawsOn === undefined ? offers : offers.filter((o) => drawsOn.includes(o.uri))
    if (usable.length === 0) {
      return yield* new OfferNotFound({ message: `offer: the event type ${eventType.slug} draws on no offer you may book` })
    }
    return usable
  })

/**
 * The lengths asked for under an event type: `durationMin` must be one of its lengths (the guest picks one), and
 * the meeting is exactly that long. Without an event type, as asked. Fails with the field named (`prefix` +).
 */
export const eventTypeDurations = (eventType: EventType | undefined, durationMin: number, durationMax: number, prefix: string) =>
  eventType === undefined
    ? Effect.succeed({ durationMin, durationMax })
    : eventType.durations.includes(durationMin) && (durationMax === durationMin || durationMax === undefined)
    ? Effect.succeed({ durationMin, durationMax: durationMin })
    : Effect.fail(new InvalidEventType({
      message: eventType.durations.includes(durationMin)
        ? `${prefix}durationMax: the event type ${eventType.slug} has fixed lengths; leave it out or equal to durationMin`
        : `${prefix}durationMin: must be one of the event type's lengths (${eventType.durations.join(", ")} minutes)`
    }))

/** The ladder availability and match answer in: the event type's lengths, else the default ladder. */
export const ladderOf = (eventType: EventType | undefined): ReadonlyArray<number> =>
  eventType?.durations ?? DEFAULT_DURATION_LADDER_MIN

/** An event type as getEventTypes answers it. */
export const eventTypeView = (e: EventType) => ({
  ...(e.uri !== undefined ? { uri: e.uri } : {}),
  hostDid: e.hostDid,
  slug: e.slug,
  name: e.name,
  ...(e.description !== undefined ? { description: e.description } : {}),
  durations: e.durations,
  ...(e.location !== undefined ? { location: e.location } : {}),
  // the default event type has no tier of its own: each offer's applies
  policy: e.policy ?? "anyone",
  ...(e.offers !== undefined ? { offers: e.offers } : {})
})
