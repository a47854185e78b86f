import { HttpServerRequest } from "@effect/platform"
import { Effect, Option } from "effect"
import { handleOf } from "../../../../domain/notify/personName"
import { CloudflareEnv } from "../../../../platform/CloudflareEnv"
import { IdentityResolver } from "../../../../services/IdentityResolver"
import { WebSessions } from "../../../../services/WebSessions"
import { sessionCookieOf } from "../../../xrpc/BrowserSession"
import { Caller } from "../../../xrpc/Caller"

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * The handle the DID document of `did` names, only when that handle resolves back to `did` (atproto's
 * bidirectional check, https://atproto.com/specs/handle#handle-resolution); undefined when it does not, when the
 * document names none (or `handle.invalid`), or when either lookup cannot be made now. In development a `.test`
 * handle of the local PDS, which no DNS or web host answers for, is taken as its document names it (as PeopleNames
 * does). Both lookups are IdentityResolver's, with its caches.
 */
const verifiedHandleOf = (did: string) =>
  Effect.gen(function*() {
    const identity = yield* IdentityResolver
    const env = yield* CloudflareEnv
    const doc = yield* identity.resolveDid(did)
    const handle = handleOf(doc.alsoKnownAs)
    if (handle === undefined) return undefined
    if (env.ENVIRONMENT === "development" && handle.endsWith(".test")) return handle
    const resolved = yield* identity.resolveHandle(handle)
    return resolved === did ? handle : undefined
  }).pipe(Effect.orElseSucceed(() => undefined))

/**
 * app.overlap.account.getSession: who the verified caller is. The DID is XrpcAuth's (the service-auth issuer, or the
 * browser session's account); the handle only when it verifies both ways; for a browser session (no Authorization
 * header: XrpcAuth took the cookie) also when it signed in, was last used and ends at the latest.
 */
export const getSession = () =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const request = yield* HttpServerRequest.HttpServerRequest
    const handle = yield* verifiedHandleOf(caller.did)
    const cookie = request.headers.authorization === undefined ? sessionCookieOf(request.headers.cookie) : undefined
    const session = cookie === undefined || cookie === ""
      ? Option.none()
      : yield* Effect.flatMap(WebSessions, (sessions) => sessions.resolve(cookie))
    return {
      did: caller.did,
      ...(handle !== undefined ? { handle } : {}),
      ...Option.match(session, {
        onNone: () => ({ via: "serviceAuth" }),
        onSome: (s) => ({ via: "session", signedInAt: iso(s.createdAt), lastSeenAt: iso(s.lastSeenAt), expiresAt: iso(s.expiresAt) })
      })
    }
  })
