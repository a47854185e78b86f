import { Duration, Effect, Exit, Layer } from "effect"
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose"
import { AccessDenied, AccessVerifier } from "../../services/AccessVerifier"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { makeFinishedValueCache } from "../../platform/FinishedValueCache"

export const ACCESS_HEADER = "cf-access-jwt-assertion"
/** Access rotates its signing keys every six weeks and publishes the next one ahead: ten minutes is fresh enough. */
const JWKS_TTL = Duration.minutes(10)
const CLOCK_TOLERANCE_S = 5

/** `https://<team>.cloudflareaccess.com` from ACCESS_TEAM_DOMAIN given as `<team>`, a host name or an origin. */
export const teamOrigin = (team: string): string => {
  const trimmed = team.trim().replace(/\/+$/, "")
  if (/^https:\/\//.test(trimmed)) return trimmed
  return `https://${trimmed.includes(".") ? trimmed : `${trimmed}.cloudflareaccess.com`}`
}

/** Three base64url parts whose header parses and names RS256: anything else is refused before any key is looked at. */
const wellFormed = (token: string): boolean => {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return false
  try {
    return decodeProtectedHeader(token).alg === "RS256"
  } catch {
    return false
  }
}

const fetchJwks = (certsUrl: string) =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(certsUrl, { headers: { accept: "application/json" }, signal })
      if (!response.ok) throw new Error(`certs answered ${response.status}`)
      const body = (await response.json()) as JSONWebKeySet
      if (!Array.isArray(body?.keys)) throw new Error("certs carry no keys")
      return body
    },
    catch: (error) => new AccessDenied({ reason: `could not read the Access certs: ${error instanceof Error ? error.message : String(error)}` })
  })

/**
 * `AccessVerifier` with `jose`: the team's JWKS fetched by the request that needs it and kept as a finished value
 * (never a pending fetch) for ten minutes; an unknown `kid` refetches once (key rotation). ACCESS_TEAM_DOMAIN and
 * ACCESS_AUD unset = every request refused. With ENVIRONMENT=development and ADMIN_DEV_BYPASS=on (and only then)
 * a request without a token is let in as the local operator.
 */
export const AccessVerifierLive: Layer.Layer<AccessVerifier, never, CloudflareEnv> = Layer.effect(
  AccessVerifier,
  Effect.gen(function*() {
    const env = yield* CloudflareEnv
    const jwks = yield* makeFinishedValueCache({
      lookup: fetchJwks,
      timeToLive: (exit) => (Exit.isSuccess(exit) ? JWKS_TTL : Duration.zero),
      capacity: 4
    })

    const verifyWith = (token: string, issuer: string, audience: string, certsUrl: string, refreshed: boolean): Effect.Effect<{ sub: string; name: string }, AccessDenied> =>
      Effect.flatMap(jwks.get(certsUrl), (keys) =>
        Effect.tryPromise({
          try: () => jwtVerify(token, createLocalJWKSet(keys), { algorithms: ["RS256"], audience, issuer, clockTolerance: CLOCK_TOLERANCE_S, requiredClaims: ["exp", "sub"] }),
          catch: (error) => error
        }).pipe(
          Effect.map(({ payload }) => ({
            sub: String(payload.sub),
            name: typeof payload.email === "string" ? payload.email : typeof payload.common_name === "string" ? payload.common_name : String(payload.sub)
          })),
          Effect.catchAll((error) => {
            const code = (error as { code?: string }).code
            if (code === "ERR_JWKS_NO_MATCHING_KEY" && !refreshed) {
              return Effect.zipRight(jwks.invalidate(certsUrl), verifyWith(token, issuer, audience, certsUrl, true))
            }
            return Effect.fail(new AccessDenied({ reason: code ?? (error instanceof Error ? error.message : "invalid token") }))
          })
        ))

    return AccessVerifier.of({
      verify: (request) => {
        const token = request.headers.get(ACCESS_HEADER)
        if (token === null || token === "") {
          return env.ENVIRONMENT === "development" && env.ADMIN_DEV_BYPASS === "on"
            ? Effect.succeed({ subject: "development", name: "local operator (ADMIN_DEV_BYPASS)", bypass: true })
            : Effect.fail(new AccessDenied({ reason: "no Cf-Access-Jwt-Assertion header" }))
        }
        const team = env.ACCESS_TEAM_DOMAIN ?? ""
        const audience = env.ACCESS_AUD ?? ""
        if (team === "" || audience === "") return Effect.fail(new AccessDenied({ reason: "ACCESS_TEAM_DOMAIN / ACCESS_AUD are not set" }))
        if (!wellFormed(token)) return Effect.fail(new AccessDenied({ reason: "the Access token is not an RS256 JWS" }))
        const issuer = teamOrigin(team)
        return verifyWith(token, issuer, audience, `${issuer}/cdn-cgi/access/certs`, false).pipe(
          Effect.map(({ name, sub }) => ({ subject: sub, name, bypass: false }))
        )
      }
    })
  })
)
