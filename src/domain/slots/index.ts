/** The slot engine: pure candidate generation for a host and a guest (no I/O). */
export { findSlots } from "./engine"
export { SlotInputInvalid } from "./errors"
export {
  CivilDate,
  DateOverride,
  GuestConstraints,
  HostRules,
  Instant,
  Interval,
  LocalHours,
  LocalTime,
  Offer,
  OfferWindow,
  Slot,
  SlotBounds,
  SlotQuery,
  TimeZoneId,
  WeeklyOffer,
  Weekday
} from "./query"
export { validateQuery } from "./validate"
export { clearZoneCache, type Zone, zoneFor } from "./zone"
