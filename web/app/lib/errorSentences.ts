// A human sentence for every error the Overlap API can answer (XRPC `{ error, message }`). The test
// test/web/errorSentences.test.ts walks the API definition (src/features/OverlapApi.ts) and the lexicons and
// fails when an error name has no sentence here. Never show raw JSON, a stack or a blank page.

export interface ErrorContext {
  /** The host's handle, when the page is about one host. */
  readonly host?: string
  /** For RateLimited: the seconds the server asked us to wait. */
  readonly retryAfterSec?: number
}

type Sentence = (context: ErrorContext) => string

const hostName = (context: ErrorContext) => (context.host ? `@${context.host}` : "the host")
const waitFor = (seconds: number | undefined) =>
  seconds === undefined
    ? "Please wait a little and try again."
    : seconds < 90
      ? `Please try again in ${seconds} second${seconds === 1 ? "" : "s"}.`
      : seconds < 90 * 60
        ? `Please try again in about ${Math.ceil(seconds / 60)} minutes.`
        : `Please try again in about ${Math.round(seconds / 3600)} hours, or sign in.`
const signInAgain = "Your sign-in could not be checked. Please sign in again."

export const errorSentences: Readonly<Record<string, Sentence>> = {
  // booking and availability
  HostNotFound: (c) => `We could not find ${hostName(c)} on Overlap. Check the handle in the link.`,
  OfferNotFound: (c) => `This availability of ${hostName(c)} is no longer offered. Pick another time.`,
  TierNotMet: (c) => `${hostName(c)} only takes bookings from people they know on Bluesky. Follow ${hostName(c)} (or ask them to follow you) and try again.`,
  InvalidEventType: (c) => `That kind of meeting is not one ${hostName(c)} offers. Pick one from the list.`,
  InvalidConstraints: () => "Those times do not make a valid request: check the date range and the meeting length.",
  NoSlotAvailable: (c) => `That time is no longer free for ${hostName(c)} — someone may have just taken it. Pick another time.`,
  TooManyHolds: (c) => `You already have a time held with ${hostName(c)}. Wait for them to confirm it or cancel it before holding another.`,
  CalendarUnavailable: () => "A calendar we need to check did not answer, so we could not hold a time. Please try again in a minute.",
  GraphUnavailable: () => "We could not check your Bluesky connection to the host just now. Please try again in a minute.",
  MatchNotFound: () => "This booking attempt has ended. Start again by picking a time.",
  HoldExpired: () => "The hold on this time lapsed before it was confirmed. Pick a time again.",
  NotParticipant: () => "This booking is between other people, so you cannot see or change it.",
  BookingNotFound: () => "We could not find this booking. It may have been removed.",
  InvalidTransition: () => "This booking has already moved on (confirmed, declined or canceled), so that action no longer applies. Reload to see where it stands.",
  BookingUnavailable: () => "We could not save that change just now; nothing was changed. Please try again in a minute.",
  AccountRequired: () => "Please sign in with your Bluesky (atproto) account to book a time.",
  InvalidCursor: () => "That list page is out of date. Reload the list.",
  // sign-in and anonymous access
  AuthMissing: () => "Please sign in to do that.",
  BadJwt: () => signInAgain,
  BadJwtAudience: () => signInAgain,
  BadJwtLexiconMethod: () => signInAgain,
  BadJwtIssuedAt: () => signInAgain,
  BadJwtLifetime: () => signInAgain,
  BadJwtSignature: () => signInAgain,
  JwtExpired: () => "Your sign-in has expired. Please sign in again.",
  JwtReplayed: () => signInAgain,
  UnknownIssuer: () => "We could not find your account's identity. Check your handle and sign in again.",
  AuthUnavailable: () => "We could not check your sign-in just now. Please try again in a minute.",
  TurnstileRequired: () => "Please complete the quick check that you are a person, then try again.",
  TurnstileRejected: () => "The check that you are a person did not pass or has expired. Please do it again.",
  TurnstileUnavailable: () => "We could not run the check that you are a person just now. Please try again in a minute, or sign in.",
  SessionInvalid: () => "You have been signed out (or your sign-in expired). Please sign in again.",
  CsrfRejected: () => "For your safety this was not sent: reload the page and try again.",
  SessionStoreUnavailable: () => "We could not check your sign-in just now. Please try again in a minute.",
  WebSessionRequired: () => "Sign in to Overlap in this browser to change your availability.",
  ReauthorizeRequired: () => "Overlap can no longer write to your account (your sign-in there ended). Please sign in again.",
  PdsWriteRejected: () => "Your account's server (PDS) refused to save this. Check the details and try again.",
  SessionUnavailable: () => "We could not reach your sign-in just now; nothing was saved. Please try again in a minute.",
  PdsUnavailable: () => "Your account's server (PDS) did not answer, so we could not read your records. Please try again in a minute.",
  NotOwner: () => "Only the account's owner can see or change these settings.",
  RateLimited: (c) => `Too many requests in a short time. ${waitFor(c.retryAfterSec)}`,
  RateLimiterUnavailable: () => "Overlap is briefly overloaded. Please try again in a minute.",
  // calendars
  CredentialsRequired: () => "Enter the calendar server's username and app password.",
  InvalidCredentials: () => "The calendar server did not accept that username and app password. Create a new app password and try again.",
  ProviderUnreachable: () => "The calendar service did not answer. Check the server address, or try again later.",
  ProviderNotConfigured: () => "Connecting this calendar service is not set up on this Overlap server yet.",
  ConnectorLimitReached: () => "You have connected as many calendars as Overlap allows. Remove one to add another.",
  ConnectorNotFound: () => "That calendar connection no longer exists. Reload the list.",
  // webhooks
  InvalidWebhookUrl: () => "That webhook address cannot be used: it must be a public https address.",
  TooManySubscriptions: () => "You have as many webhooks as Overlap allows. Delete one to add another.",
  SubscriptionNotFound: () => "That webhook no longer exists. Reload the list.",
  // your data
  ExportUnavailable: () => "We could not prepare your data export just now. Please try again in a few minutes.",
  AccountDeletionUnavailable: () => "We could not finish deleting your account data just now. Please try again in a few minutes; what is already deleted stays deleted.",
  // requests in general
  IdempotencyKeyReused: () => "This request was already sent with different details. Reload and try again.",
  ServiceNotConfigured: () => "Overlap is not fully set up right now, so this could not be done and nothing was changed. Please try again later.",
  IdempotencyUnavailable: () => "We could not make sure this is sent only once, so nothing was changed. Please try again.",
  RequestInProgress: () => "This request is still being handled. Wait a moment, then reload.",
  HttpApiDecodeError: () => "Something in the form is not valid. Check the fields and try again.",
  InvalidRequest: () => "Something in the form is not valid. Check the fields and try again.",
  MethodNotImplemented: () => "This part of Overlap is not available yet.",
  InternalServerError: () => "Something went wrong on our side. Nothing you did caused it; please try again.",
  InvalidResponse: () => "Overlap answered in a way this page did not understand. Please reload."
}

/** The sentence for an error name; an unknown name (a new server) still gets a plain sentence, never raw JSON. */
export const sentenceFor = (error: string, context: ErrorContext = {}): string => {
  const sentence = errorSentences[error]
  if (sentence !== undefined) return sentence(context)
  return "Something went wrong. Please try again."
}
