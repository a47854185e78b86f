import { Schema } from "effect"
import { Did, EpochMillis } from "../identifiers"
import { BookingId, EmailAddress } from "../invitation/invitation"
import { NotifyKind } from "./preferences"

/**
 * The one-click links in a message. A link is `<origin>/act/<action>?did=<did>&t=<token>`: the token is a
 * TokenVault ciphertext (AES-GCM, so only the service can make one, and nobody can change one) of a
 * LinkClaim, bound to (did, "notify-link", action), so a token taken from one link does not open under
 * another action or person. A link expires, and works once: its nonce is recorded when it is used.
 */

export const LinkAction = Schema.Literal(
  "view",
  "confirm",
  "decline",
  "cancel",
  "reschedule",
  "unsubscribe",
  "verify-email",
  /** the host takes a guest's proposed new time (app.overlap.confirmReschedule) */
  "accept-move",
  /** the host keeps the meeting's time (app.overlap.declineReschedule) */
  "keep-time"
)
export type LinkAction = typeof LinkAction.Type

/** What the sealed token says. Short keys: the token travels in a URL. */
export const LinkClaim = Schema.Struct({
  /** booking (every action but unsubscribe and verify-email) */
  b: Schema.optional(BookingId),
  /** the kind an unsubscribe link turns off */
  k: Schema.optional(NotifyKind),
  /** the address a verify-email link verifies (sealed: the URL never shows it) */
  a: Schema.optional(EmailAddress),
  /** expires at */
  e: EpochMillis,
  /** random nonce: the link's identity for "works once" */
  n: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{16,64}$/))
})
export type LinkClaim = typeof LinkClaim.Type

/** The binding of a link token in the vault (its additional data). */
export const linkBinding = (did: string, action: LinkAction) => ({ did, provider: "notify-link", connectorId: action })

/** How long a link works: a week for booking actions, 60 days to unsubscribe, a day to verify an address. */
export const LINK_TTL_MS: Record<LinkAction, number> = {
  view: 7 * 86_400_000,
  confirm: 7 * 86_400_000,
  decline: 7 * 86_400_000,
  cancel: 7 * 86_400_000,
  reschedule: 7 * 86_400_000,
  "accept-move": 7 * 86_400_000,
  "keep-time": 7 * 86_400_000,
  unsubscribe: 60 * 86_400_000,
  "verify-email": 86_400_000
}

/** The link's URL. */
export const linkUrl = (origin: string, action: LinkAction, did: string, token: string): string => {
  const url = new URL(`/act/${action}`, origin)
  url.searchParams.set("did", did)
  url.searchParams.set("t", token)
  return url.toString()
}

/** The parts of a link's URL, before the token is opened; undefined when it is not a link's shape. */
export const parseLink = (url: URL): { readonly action: LinkAction; readonly did: string; readonly token: string } | undefined => {
  const match = /^\/act\/([a-z-]+)$/.exec(url.pathname)
  const action = match?.[1]
  const did = url.searchParams.get("did")
  const token = url.searchParams.get("t")
  if (action === undefined || did === null || token === null || token.length > 2048) return undefined
  if (!Schema.is(LinkAction)(action) || !Schema.is(Did)(did)) return undefined
  return { action, did, token }
}

/** The web app's page a booking link leads to after it is used. */
export const bookingPage = (origin: string, bookingId: string, action?: "reschedule"): string =>
  new URL(`/bookings/${encodeURIComponent(bookingId)}${action === "reschedule" ? "?reschedule=1" : ""}`, origin).toString()
