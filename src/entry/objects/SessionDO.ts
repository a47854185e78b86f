import { FetchHttpClient } from "@effect/platform"
import { DurableObject } from "cloudflare:workers"
import {
  type OAuthClient,
  type StoredSession,
  TokenInvalidError,
  TokenRefreshError,
  TokenRevokedError
} from "@atcute/oauth-node-client"
import { Effect, Layer } from "effect"
import { makeActorResolver } from "../../adapters/atproto/actorResolver"
import { makeAtprotoOAuthClient, unusedStore } from "../../adapters/atproto/atprotoOAuthClient"
import { IdentityResolverLive } from "../../adapters/atproto/IdentityResolverLive"
import { AccountSettingsLive } from "../../adapters/d1/AccountSettingsLive"
import { TokenVaultLive } from "../../adapters/crypto/TokenVaultLive"
import { backoffDelay, withJitter } from "../../domain/backoff"
import { CloudflareEnv, type Env } from "../../platform/CloudflareEnv"
import { buildIsolateRuntime } from "../../platform/isolateRuntime"
import type { RepoWrite } from "../../services/AtprotoSessions"
import { AccountSettings } from "../../services/AccountSettings"
import { TokenVault } from "../../services/TokenVault"
import type { HealthProbe } from "../health"
import { recordObjectStart } from "./objectStart"

/**
 * What a write answers across RPC (one flat shape: RPC types unions poorly): `written` (uri, cid), `queued` (the PDS
 * could not be reached: kept in the outbox; reason), `reauthorize` (the session ended; reason) or `rejected` (the
 * PDS refused the record itself; httpStatus, error, message).
 */
export interface SessionReply {
  readonly status: "written" | "queued" | "reauthorize" | "rejected"
  readonly uri?: string
  readonly cid?: string
  readonly reason?: string
  readonly httpStatus?: number
  readonly error?: string
  readonly message?: string
}

/** How many times a queued write is tried before it is dropped (about a day with the backoff below). */
export const MAX_OUTBOX_ATTEMPTS = 20
const OUTBOX_BASE_MS = 5_000
const OUTBOX_CAP_MS = 2 * 3600_000

/** The vault binding of the sealed session: authenticated with the DID, so a row copied to another object does not open. */
const bindingOf = (did: string) => ({ did, provider: "atproto-oauth", connectorId: "session" })

const isReauthorize = (error: unknown) =>
  error instanceof TokenRefreshError || error instanceof TokenRevokedError || error instanceof TokenInvalidError

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 300)

/**
 * One per person (`idFromName(did)`), SQLite-backed: their atproto OAuth session (docs/signin.md).
 *
 * - `session`: the library's stored session (DPoP private key as JWK, access and refresh tokens) sealed with
 *   TokenVault under the current key; the row never holds plaintext. Re-sealed on every refresh.
 * - one OAuthClient for the object's life: DPoP nonces stay warm, and its in-memory lock makes refreshes single-file —
 *   refresh tokens are single-use, and this object is the only place that refreshes or calls the PDS with the token.
 * - `outbox`: writes that found the PDS unreachable, one per (collection, rkey) — the latest wins — retried by the
 *   alarm with backoff. A session that ended (refresh refused, revoked) marks the person "re-authorize" in D1
 *   (account_settings), which their page reads through app.overlap.session.getSettings.
 */
export class SessionDO extends DurableObject<Env> implements HealthProbe {
  #client: OAuthClient | undefined
  readonly #services = buildIsolateRuntime(
    Layer.mergeAll(TokenVaultLive, AccountSettingsLive, IdentityResolverLive.pipe(Layer.provide(FetchHttpClient.layer))).pipe(
      Layer.provide(CloudflareEnv.layer(this.env))
    )
  )

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    recordObjectStart(ctx, env, "SessionDO")
    const sql = ctx.storage.sql
    sql.exec(`CREATE TABLE IF NOT EXISTS session (
      id INTEGER PRIMARY KEY CHECK (id = 1), did TEXT NOT NULL, origin TEXT NOT NULL,
      sealed TEXT NOT NULL, key_id TEXT NOT NULL, updated_at INTEGER NOT NULL)`)
    sql.exec(`CREATE TABLE IF NOT EXISTS outbox (
      collection TEXT NOT NULL, rkey TEXT NOT NULL, write TEXT NOT NULL, attempts INTEGER NOT NULL,
      next_at INTEGER NOT NULL, last_error TEXT, PRIMARY KEY (collection, rkey))`)
  }

  async health() {
    return { object: "SessionDO", ok: true } as const
  }

  protected sql() {
    return this.ctx.storage.sql
  }

  protected row(): { did: string; origin: string; sealed: string } | undefined {
    return this.sql().exec<{ did: string; origin: string; sealed: string }>("SELECT did, origin, sealed FROM session WHERE id = 1").toArray()[0]
  }

  protected async seal(did: string, session: StoredSession): Promise<{ ciphertext: string; keyId: string }> {
    return this.#services.runPromise(Effect.flatMap(TokenVault, (v) => v.encrypt(JSON.stringify(session), bindingOf(did))))
  }

  protected async open(did: string, sealed: string): Promise<StoredSession> {
    const plain = await this.#services.runPromise(Effect.flatMap(TokenVault, (v) => v.decrypt(sealed, bindingOf(did))))
    return JSON.parse(plain) as StoredSession
  }

  /** The client, built once per origin the session was made for (the loopback client_id names its redirect URI). */
  protected client(origin: string): OAuthClient {
    if (this.#client === undefined) {
      const actors = makeActorResolver(this.env, this.#services.runtime)
      this.#client = makeAtprotoOAuthClient(this.env, origin, actors, {
        states: unusedStore("the sign-in state store"),
        sessions: {
          get: async (did) => {
            const row = this.row()
            return row === undefined || row.did !== did ? undefined : this.open(did, row.sealed)
          },
          set: (did, session) => this.storeSealed(did, this.row()?.origin ?? origin, session),
          delete: async () => void this.sql().exec("DELETE FROM session"),
          clear: async () => void this.sql().exec("DELETE FROM session")
        }
      })
    }
    return this.#client
  }

  /** Drops the warm client: the next call builds one from the stored session (after the row changed under it). */
  protected resetClient(): void {
    this.#client = undefined
  }

  /** Takes the session a sign-in just made (replacing any earlier one), sealed at once. */
  async adopt(did: string, origin: string, session: StoredSession): Promise<void> {
    await this.storeSealed(did, origin, session)
    this.#client = undefined
    if (this.#pending() > 0) await this.ctx.storage.setAlarm(Date.now())
  }

  #pending(): number {
    return this.sql().exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n
  }

  /** One write to the person's repo, now; kept in the outbox when the PDS cannot be reached. */
  async write(did: string, write: RepoWrite): Promise<SessionReply> {
    const reply = await this.#attempt(did, write)
    if (reply.status === "queued") {
      this.sql().exec(
        `INSERT INTO outbox (collection, rkey, write, attempts, next_at, last_error) VALUES (?, ?, ?, 1, ?, ?)
         ON CONFLICT (collection, rkey) DO UPDATE SET write = excluded.write, attempts = 1, next_at = excluded.next_at,
           last_error = excluded.last_error`,
        write.collection, write.rkey, JSON.stringify(write), Date.now() + OUTBOX_BASE_MS, reply.reason
      )
      await this.#armAlarm()
    } else if (reply.status !== "rejected") {
      // a newer write for the same record supersedes one still waiting
      this.sql().exec("DELETE FROM outbox WHERE collection = ? AND rkey = ?", write.collection, write.rkey)
    }
    return reply
  }

  async #attempt(did: string, write: RepoWrite): Promise<SessionReply> {
    const row = this.row()
    if (row === undefined || row.did !== did) return this.#reauthorize(did, "no atproto session: sign in to Overlap")
    let response: Response
    try {
      const session = await this.client(row.origin).restore(did as `did:${string}:${string}`)
      const body = write.op === "put"
        ? {
            repo: did, collection: write.collection, rkey: write.rkey, record: write.record,
            ...(write.swapRecord !== undefined ? { swapRecord: write.swapRecord } : {})
          }
        : { repo: did, collection: write.collection, rkey: write.rkey, ...(write.swapRecord !== undefined ? { swapRecord: write.swapRecord } : {}) }
      response = await session.handle(`/xrpc/com.atproto.repo.${write.op === "put" ? "putRecord" : "deleteRecord"}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body)
      })
    } catch (error) {
      if (isReauthorize(error)) return this.#reauthorize(did, `the atproto session ended (${describe(error)})`)
      return { status: "queued", reason: `the PDS could not be reached (${describe(error)})` }
    }
    const text = await response.text()
    if (response.ok) {
      const json = text === "" ? {} : (JSON.parse(text) as { uri?: string; cid?: string })
      return { status: "written", ...(json.uri ? { uri: json.uri } : {}), ...(json.cid ? { cid: json.cid } : {}) }
    }
    if (response.status >= 500 || response.status === 429) return { status: "queued", reason: `the PDS answered ${response.status}` }
    let error = "Error"
    let message = text.slice(0, 300)
    try {
      const json = JSON.parse(text) as { error?: string; message?: string }
      error = json.error ?? error
      message = json.message ?? message
    } catch {
      // not JSON: keep the text
    }
    if (response.status === 401) return this.#reauthorize(did, `the PDS refused the session (${error})`)
    return { status: "rejected", httpStatus: response.status, error, message }
  }

  async #reauthorize(did: string, reason: string): Promise<SessionReply> {
    await this.#services.runPromise(Effect.flatMap(AccountSettings, (s) => s.requireReauthorize(did, reason)))
    return { status: "reauthorize", reason }
  }

  async #armAlarm() {
    const next = this.sql().exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM outbox").one().at
    if (next !== null) await this.ctx.storage.setAlarm(next)
  }

  /** Retries the outbox writes that are due; a session that ended stops the retries until the next sign-in. */
  override async alarm(): Promise<void> {
    const row = this.row()
    if (row === undefined) return
    const due = this.sql()
      .exec<{ collection: string; rkey: string; write: string; attempts: number }>(
        "SELECT collection, rkey, write, attempts FROM outbox WHERE next_at <= ? ORDER BY next_at LIMIT 25", Date.now()
      ).toArray()
    for (const item of due) {
      const reply = await this.#attempt(row.did, JSON.parse(item.write) as RepoWrite)
      if (reply.status === "reauthorize") return
      if (reply.status === "queued" && item.attempts < MAX_OUTBOX_ATTEMPTS) {
        this.sql().exec(
          "UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE collection = ? AND rkey = ?",
          Date.now() + withJitter(backoffDelay({ base: OUTBOX_BASE_MS, cap: OUTBOX_CAP_MS }, item.attempts), Math.random()), reply.reason, item.collection, item.rkey
        )
      } else {
        if (reply.status !== "written") {
          console.warn(JSON.stringify({ message: "outbox write dropped", collection: item.collection, status: reply.status }))
        }
        this.sql().exec("DELETE FROM outbox WHERE collection = ? AND rkey = ?", item.collection, item.rkey)
      }
    }
    await this.#armAlarm()
  }

  /** Revokes the tokens at the authorization server (best effort) and forgets the session and its outbox. */
  async signOut(did: string): Promise<void> {
    const row = this.row()
    if (row !== undefined && row.did === did) {
      try {
        await this.client(row.origin).revoke(did as `did:${string}:${string}`)
      } catch (error) {
        console.warn(JSON.stringify({ message: "revocation at the authorization server failed", error: describe(error) }))
      }
    }
    this.sql().exec("DELETE FROM session")
    this.sql().exec("DELETE FROM outbox")
    this.#client = undefined
    await this.ctx.storage.deleteAlarm()
  }

  /**
   * Re-seals the session under the vault's current key (TOKEN_VAULT_KEYS rotation): a refresh re-seals anyway, this
   * covers a session that has not refreshed since the key changed. Answers whether anything was re-sealed.
   */
  async rotateSeal(): Promise<boolean> {
    const row = this.row()
    if (row === undefined) return false
    await this.storeSealed(row.did, row.origin, await this.open(row.did, row.sealed))
    return true
  }

  /** Seals and stores `session` as the one this object holds. */
  protected async storeSealed(did: string, origin: string, session: StoredSession): Promise<void> {
    const sealed = await this.seal(did, session)
    this.sql().exec(
      `INSERT INTO session (id, did, origin, sealed, key_id, updated_at) VALUES (1, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET did = excluded.did, origin = excluded.origin, sealed = excluded.sealed,
         key_id = excluded.key_id, updated_at = excluded.updated_at`,
      did, origin, sealed.ciphertext, sealed.keyId, Date.now()
    )
  }

  /** Whether a session is held, and how many writes wait (no token material). */
  async status(): Promise<{ readonly active: boolean; readonly pending: number }> {
    return { active: this.row() !== undefined, pending: this.#pending() }
  }
}
