import { Either, ParseResult, Schema } from "effect"
import { lexicons } from "../lexicon/lexicons.js"
import { CONFERENCE_PROVIDERS, isSlug, knownLocation } from "./eventTypes"
import {
  BookingRecord,
  BookingRequestRecord,
  type DefsConstraints,
  EventTypeRecord,
  Records,
  type RecordCollection,
  SlotOfferRecord
} from "../lexicon/schemas.js"

/** A record (or request body) that breaks its lexicon or a rule the lexicon language cannot express. */
export class RecordInvalid extends Schema.TaggedError<RecordInvalid>()("RecordInvalid", {
  /** Dotted path of the offending field, e.g. "end" or "constraints.durationMin"; "" for the record itself. */
  field: Schema.String,
  message: Schema.String
}) {}

/** A record that passed every check, tagged with its collection so callers can narrow on it. */
export type ValidRecord = {
  readonly [C in RecordCollection]: { readonly collection: C; readonly value: (typeof Records)[C]["Type"] }
}[RecordCollection]

// ---------------------------------------------------------------------------------------------------------------
// Time zones

// An IANA name (Area/Location, or a bare name like UTC); rules out offsets such as "+05:00" that Intl also accepts.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/
const zoneCache = new Map<string, boolean>()
const ZONE_CACHE_LIMIT = 1_000 // names come from untrusted records: keep the cache bounded

/** Whether `tz` names a time zone this runtime knows (canonical names and aliases such as UTC, US/Eastern). */
export const isKnownTimeZone = (tz: string): boolean => {
  const cached = zoneCache.get(tz)
  if (cached !== undefined) return cached
  let known = tz.length <= 64 && IANA_NAME.test(tz)
  if (known) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz })
    } catch {
      known = false
    }
  }
  if (zoneCache.size < ZONE_CACHE_LIMIT) zoneCache.set(tz, known)
  return known
}

// ---------------------------------------------------------------------------------------------------------------
// Semantic checks (pure). Each returns the value unchanged or the first rule it breaks.

const invalid = (field: string, message: string) => Either.left(new RecordInvalid({ field, message }))
const at = (prefix: string, field: string) => (prefix ? `${prefix}.${field}` : field)

const checkZone = (tz: string, field: string): Either.Either<void, RecordInvalid> =>
  isKnownTimeZone(tz) ? Either.void : invalid(field, `unknown time zone ${JSON.stringify(tz)} (expected an IANA name such as Europe/Berlin)`)

/** Meeting constraints: a known zone, durationMin ≤ durationMax, earliest < latest, and a window that fits durationMin. */
export const checkConstraints = (
  constraints: DefsConstraints,
  prefix = "constraints"
): Either.Either<DefsConstraints, RecordInvalid> => {
  const zone = checkZone(constraints.tz, at(prefix, "tz"))
  if (Either.isLeft(zone)) return Either.left(zone.left)
  if (constraints.durationMin > constraints.durationMax) {
    return invalid(at(prefix, "durationMax"), `must not be less than durationMin (${constraints.durationMin})`)
  }
  if (constraints.earliest !== undefined && constraints.latest !== undefined) {
    const earliest = Date.parse(constraints.earliest)
    const latest = Date.parse(constraints.latest)
    if (!(latest > earliest)) return invalid(at(prefix, "latest"), "must be after earliest")
    if (latest - earliest < constraints.durationMin * 60_000) {
      return invalid(at(prefix, "latest"), `window from earliest is shorter than durationMin (${constraints.durationMin} minutes)`)
    }
  }
  return Either.right(constraints)
}

const LOCAL_START = /^(?:[01]\d|2[0-3]):[0-5]\d$/
const LOCAL_END = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/

/**
 * A weekly offer's hours: local times HH:MM (an end may be 24:00; an end before start runs past midnight, an
 * equal one is refused), each weekday once per rule; the first window start–end lies inside [validFrom, validUntil).
 */
const checkWeekly = (offer: SlotOfferRecord, weekly: NonNullable<SlotOfferRecord["weekly"]>): Either.Either<void, RecordInvalid> => {
  for (const [i, rule] of weekly.entries()) {
    if (!LOCAL_START.test(rule.start)) return invalid(`weekly.${i}.start`, "must be a local time HH:MM from 00:00 to 23:59")
    if (!LOCAL_END.test(rule.end)) return invalid(`weekly.${i}.end`, "must be a local time HH:MM from 00:00 to 24:00")
    if (rule.end === rule.start) return invalid(`weekly.${i}.end`, "must differ from start (an earlier end runs past midnight)")
    if (new Set(rule.days).size !== rule.days.length) return invalid(`weekly.${i}.days`, "must not repeat a weekday")
  }
  const from = offer.validFrom !== undefined ? Date.parse(offer.validFrom) : Date.parse(offer.start)
  if (Date.parse(offer.start) < from) return invalid("start", "must not be before validFrom (start–end is the first weekly window)")
  if (offer.validUntil !== undefined) {
    if (!(Date.parse(offer.validUntil) > from)) return invalid("validUntil", "must be after validFrom (or start)")
    if (Date.parse(offer.end) > Date.parse(offer.validUntil)) return invalid("end", "must not be after validUntil (start–end is the first weekly window)")
  }
  return Either.void
}

export const checkSlotOffer = (offer: SlotOfferRecord): Either.Either<SlotOfferRecord, RecordInvalid> => {
  if (!(Date.parse(offer.end) > Date.parse(offer.start))) return invalid("end", "must be after start")
  if (offer.weekly === undefined) {
    if (offer.validFrom !== undefined) return invalid("validFrom", "applies only to a weekly offer (weekly is absent)")
    if (offer.validUntil !== undefined) return invalid("validUntil", "applies only to a weekly offer (weekly is absent)")
  } else {
    const weekly = checkWeekly(offer, offer.weekly)
    if (Either.isLeft(weekly)) return Either.left(weekly.left)
  }
  return Either.map(checkZone(offer.tz, "tz"), () => offer)
}

export const checkBookingRequest = (
  request: BookingRequestRecord
): Either.Either<BookingRequestRecord, RecordInvalid> => Either.map(checkConstraints(request.constraints), () => request)

/** An event type: a slug (lowercase, digits, single hyphens), distinct durations, an https video link. */
export const checkEventType = (eventType: EventTypeRecord): Either.Either<EventTypeRecord, RecordInvalid> => {
  if (!isSlug(eventType.slug)) return invalid("slug", "must be lowercase letters and digits joined by single hyphens")
  if (new Set(eventType.durations).size !== eventType.durations.length) return invalid("durations", "must not repeat a length")
  // a location of a kind this version does not know stays (open union): it reads as "to be agreed"
  const location = knownLocation(eventType.location)
  if (location?.$type === "app.overlap.defs#locationVideo" && !/^https:\/\//i.test(location.url)) {
    return invalid("location.url", "must be an https link")
  }
  if (location?.$type === "app.overlap.defs#locationConference" && !CONFERENCE_PROVIDERS.includes(location.provider)) {
    return invalid("location.provider", `must be one of ${CONFERENCE_PROVIDERS.join(", ")}`)
  }
  return Either.right(eventType)
}

export const checkBooking = (booking: BookingRecord): Either.Either<BookingRecord, RecordInvalid> => Either.right(booking)

// ---------------------------------------------------------------------------------------------------------------
// validateRecord: lexicon (@atproto/lexicon) -> Effect Schema (typed value, strict datetimes) -> semantic checks.

// @atproto/lexicon messages look like `Record/constraints/days/0 must be one of (…)` or
// `Record/constraints must have the property "durationMin"`.
const fromLexiconError = (message: string): RecordInvalid => {
  const m = /^(?:Record|Object)(\/\S*)? (.*)$/s.exec(message)
  if (!m) return new RecordInvalid({ field: "", message })
  const path = (m[1] ?? "").split("/").filter(Boolean)
  const rest = m[2] ?? message
  const missing = /^must have the property "([^"]+)"$/.exec(rest)
  if (missing) return new RecordInvalid({ field: [...path, missing[1]].join("."), message: "is required" })
  return new RecordInvalid({ field: path.join("."), message: rest })
}

const fromParseError = (error: ParseResult.ParseError): RecordInvalid => {
  const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
  const field = (first?.path ?? []).map(String).join(".")
  const message = first?.message ?? ParseResult.TreeFormatter.formatErrorSync(error)
  return new RecordInvalid({ field, message: /^is missing$/.test(message) ? "is required" : message })
}

const decodeThenCheck =
  <A, I>(schema: Schema.Schema<A, I>, check: (a: A) => Either.Either<A, RecordInvalid>) =>
  (value: unknown): Either.Either<A, RecordInvalid> =>
    Either.flatMap(Either.mapLeft(Schema.decodeUnknownEither(schema)(value), fromParseError), check)

const decodeSlotOffer = decodeThenCheck(SlotOfferRecord, checkSlotOffer)
const decodeBookingRequest = decodeThenCheck(BookingRequestRecord, checkBookingRequest)
const decodeBooking = decodeThenCheck(BookingRecord, checkBooking)
const decodeEventType = decodeThenCheck(EventTypeRecord, checkEventType)

/**
 * Validates one `app.overlap.*` record, as the firehose ingest does for every record it sees.
 * Returns an Either (usable directly as an Effect: `yield* validateRecord(c, v)` fails with RecordInvalid).
 */
export const validateRecord = (collection: string, value: unknown): Either.Either<ValidRecord, RecordInvalid> => {
  if (!Object.hasOwn(Records, collection)) {
    return invalid("$type", `${JSON.stringify(collection)} is not an Overlap record collection`)
  }
  let lexiconResult: ReturnType<typeof lexicons.validate>
  try {
    lexiconResult = lexicons.validate(collection, value)
  } catch (cause) {
    // validate throws (rather than returns) when the value is not an object at all
    return invalid("", cause instanceof Error ? cause.message : String(cause))
  }
  if (!lexiconResult.success) return Either.left(fromLexiconError(lexiconResult.error.message))
  switch (collection as RecordCollection) {
    case "app.overlap.slotOffer":
      return Either.map(decodeSlotOffer(value), (v) => ({ collection: "app.overlap.slotOffer", value: v }) as const)
    case "app.overlap.bookingRequest":
      return Either.map(decodeBookingRequest(value), (v) => ({ collection: "app.overlap.bookingRequest", value: v }) as const)
    case "app.overlap.booking":
      return Either.map(decodeBooking(value), (v) => ({ collection: "app.overlap.booking", value: v }) as const)
    case "app.overlap.eventType":
      return Either.map(decodeEventType(value), (v) => ({ collection: "app.overlap.eventType", value: v }) as const)
  }
}
