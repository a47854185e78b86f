import { HttpServerRequest } from "@effect/platform"
import { Effect, Layer } from "effect"
import { sessionCookieOf } from "../xrpc/BrowserSession"
import { nsidOf } from "../xrpc/xrpcGate"
import { AccountRequired, AccountRequiredError } from "./MatchingApi"

/**
 * `AccountRequired` (MatchingApi.ts): `match` and `getMatchStatus` without `Authorization` or a sign-in session cookie are refused with
 * the reason (the hold goes on the guest's calendar, the booking is the guest DID's) before `XrpcAuth`
 * would answer a bare `AuthMissing`. With the header, `XrpcAuth` decides.
 */
export const AccountRequiredLive = Layer.succeed(
  AccountRequired,
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    // a signed-in browser (its session cookie) is an account too: XrpcAuth checks the session and its CSRF token
    if (request.headers.authorization !== undefined || sessionCookieOf(request.headers.cookie) !== undefined) return
    const method = nsidOf(new URL(request.url, "http://xrpc").pathname) ?? "this method"
    return yield* new AccountRequiredError({
      message: `${method} needs your atproto account (service-auth): a match reads your calendar's free/busy, holds the time on it ` +
        "and records the booking under your DID, so it cannot be made anonymously. Anonymous callers may use getOffers and " +
        "getAvailability (tier-anyone offers, with a Turnstile token)"
    })
  })
)
