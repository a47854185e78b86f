import { Effect, Layer, Option } from "effect"
import {
  csrfTokenOf,
  isRandomToken,
  randomToken,
  SESSION_ABSOLUTE_MS,
  SESSION_TOUCH_MS,
  sessionEnded,
  sessionIdHash
} from "../../domain/signin/webSession"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { SessionStoreUnavailable, WebSessions } from "../../services/WebSessions"

interface Row {
  readonly did: string
  readonly created_at: number
  readonly last_seen_at: number
  readonly expires_at: number
  readonly revoked_at: number | null
}

const MAX_USER_AGENT = 256

const d1 = <A>(what: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: () => new SessionStoreUnavailable({ message: `the session store could not ${what}` }) })

/**
 * WebSessions in D1 (`web_sessions`, migration 0011). The cookie id is never stored: rows are keyed by its hash, so
 * a leaked table or backup signs nobody in. Sign-in always makes a new row (rotation); a session ends at its absolute
 * expiry, after SESSION_IDLE_MS unused, or when revoked.
 */
export const WebSessionsLive: Layer.Layer<WebSessions, never, CloudflareEnv> = Layer.effect(
  WebSessions,
  Effect.map(CloudflareEnv, ({ DB }) =>
    WebSessions.of({
      create: (did, userAgent) =>
        Effect.gen(function*() {
          const id = randomToken()
          const now = Date.now()
          const expiresAt = now + SESSION_ABSOLUTE_MS
          const hash = yield* Effect.promise(() => sessionIdHash(id))
          yield* d1("store the session", () =>
            DB.prepare(
              "INSERT INTO web_sessions (id_hash, did, created_at, last_seen_at, expires_at, user_agent) VALUES (?, ?, ?, ?, ?, ?)"
            ).bind(hash, did, now, now, expiresAt, userAgent.slice(0, MAX_USER_AGENT)).run())
          return { id, csrf: yield* Effect.promise(() => csrfTokenOf(id)), did, expiresAt }
        }),

      resolve: (id) =>
        Effect.gen(function*() {
          if (!isRandomToken(id)) return Option.none()
          const hash = yield* Effect.promise(() => sessionIdHash(id))
          const row = yield* d1("read the session", () =>
            DB.prepare("SELECT did, created_at, last_seen_at, expires_at, revoked_at FROM web_sessions WHERE id_hash = ?")
              .bind(hash).first<Row>())
          if (row === null) return Option.none()
          const now = Date.now()
          const ended = sessionEnded(
            { createdAt: row.created_at, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at, revokedAt: row.revoked_at },
            now
          )
          if (ended !== undefined) return Option.none()
          const touched = now - row.last_seen_at >= SESSION_TOUCH_MS
          if (touched) {
            yield* d1("mark the session used", () =>
              DB.prepare("UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?").bind(now, hash).run())
          }
          return Option.some({
            did: row.did,
            csrf: yield* Effect.promise(() => csrfTokenOf(id)),
            createdAt: row.created_at,
            lastSeenAt: touched ? now : row.last_seen_at,
            expiresAt: row.expires_at
          })
        }),

      revoke: (id) =>
        isRandomToken(id)
          ? Effect.flatMap(Effect.promise(() => sessionIdHash(id)), (hash) =>
            d1("end the session", () =>
              DB.prepare("UPDATE web_sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL")
                .bind(Date.now(), hash).run()))
            .pipe(Effect.asVoid)
          : Effect.void,

      revokeAll: (did) =>
        d1("end the sessions", () =>
          DB.prepare("UPDATE web_sessions SET revoked_at = ? WHERE did = ? AND revoked_at IS NULL").bind(Date.now(), did).run())
          .pipe(Effect.asVoid)
    }))
)
