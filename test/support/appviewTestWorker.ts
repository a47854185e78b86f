// The AppView worker as deployed (its handlers and Durable Object classes), with two objects in a test-only
// subclass that adds what tests look at: the production classes carry no test hooks. vitest.workers.config.ts
// runs this module as the main worker, so wrangler.toml's class names bind these classes: a class added to
// wrangler.toml is exported here too, and a test hook for another object goes in a subclass here.
import type { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import type { GroupCommitStats } from "../../src/features/matching/engine/D1GroupCommit"
import type { Env } from "../../src/platform/CloudflareEnv"
import type { CalendarProvider } from "../../src/services/CalendarProvider"
import { makePdsWriterTest } from "../../src/adapters/memory/PdsWriterTest"
import appview, { BookingDO, HostMatchDO, RateLimiterDO, SessionDO, UserConnectorDO } from "../../src/entry/appview"
import type { TakeRequest } from "../../src/entry/objects/RateLimiterDO"
import type { PdsWriter, RecordWrite } from "../../src/services/PdsWriter"

export default appview

/** The public records this object handed to PdsWriter (a symbol, so not an RPC method). */
export const pdsWrites = Symbol.for("overlap/BookingDO/pdsWrites")

/** BookingDO whose PdsWriter keeps every write in memory, so a test can read what would be public. */
export class RecordingBookingDO extends BookingDO {
  readonly #pds = Effect.runSync(makePdsWriterTest)

  protected override pdsWriter(): Layer.Layer<PdsWriter> {
    return this.#pds.layer
  }

  async [pdsWrites](): Promise<ReadonlyArray<RecordWrite>> {
    return Effect.runPromise(this.#pds.writes)
  }
}

/** RateLimiterDO with its arithmetic at a given instant, and its bucket count, open to `runInDurableObject`. */
export class InspectableRateLimiterDO extends RateLimiterDO {
  override takeAt(bucket: string, request: TakeRequest, nowMs: number) {
    return super.takeAt(bucket, request, nowMs)
  }

  bucketCount(): number {
    return this.sql().exec<{ n: number }>("SELECT COUNT(*) AS n FROM buckets").one().n
  }
}

/**
 * Makes a host object answer `CalendarProvider` with `layer` (e.g. the in-memory provider with injected latency)
 * instead of the Live calendars. A symbol, so it is not an RPC method.
 */
export const useCalendarProvider = Symbol.for("overlap/HostMatchDO/useCalendarProvider")

/** How a host object's D1 group commit has batched so far (see D1GroupCommit.ts). */
export const d1GroupCommitStats = Symbol.for("overlap/HostMatchDO/d1GroupCommitStats")

/** HostMatchDO whose calendars a test may replace, and whose D1 batching a test may read. */
export class ControllableHostMatchDO extends HostMatchDO {
  #calendars: Layer.Layer<CalendarProvider> | undefined

  protected override calendars(d1: Layer.Layer<SqlClient.SqlClient>): Layer.Layer<CalendarProvider> {
    return this.#calendars ?? super.calendars(d1)
  }

  [useCalendarProvider](layer: Layer.Layer<CalendarProvider>): void {
    this.#calendars = layer
    this.rebuild()
  }

  [d1GroupCommitStats](): GroupCommitStats {
    return this.groupCommit.stats()
  }
}

/**
 * Rebuilds a connector object's services over `env` merged with these overrides (provider base URLs, OAuth client
 * ids and secrets, which the test worker's wrangler.toml leaves empty). A symbol, so it is not an RPC method.
 */
export const overrideConnectorEnv = Symbol.for("overlap/UserConnectorDO/overrideEnv")

/** UserConnectorDO whose env a test may override. */
export class ConfigurableUserConnectorDO extends UserConnectorDO {
  #overrides: Partial<Env> = {}

  protected override connectorEnv(): Env {
    return { ...super.connectorEnv(), ...this.#overrides }
  }

  [overrideConnectorEnv](overrides: Partial<Env>): void {
    this.#overrides = overrides
    this.rebuild()
  }
}

/** SessionDO whose access token a test may age past its expiry (the next call must refresh), and whose rows it may read. */
export class ExpirableSessionDO extends SessionDO {
  async expireAccessToken(): Promise<boolean> {
    const row = this.row()
    if (row === undefined) return false
    const session = await this.open(row.did, row.sealed)
    await this.storeSealed(row.did, row.origin, { ...session, tokenSet: { ...session.tokenSet, expires_at: Date.now() - 60_000 } })
    this.resetClient()
    return true
  }

  /** Revokes the refresh token at the authorization server behind the object's back and ages the access token. */
  async revokeAtServer(): Promise<boolean> {
    const row = this.row()
    if (row === undefined) return false
    const session = await this.open(row.did, row.sealed)
    // the library's own revocation call (DPoP-bound, with client authentication), keeping the row as it was
    const live = await this.client(row.origin).restore(row.did as `did:${string}:${string}`, { refresh: false })
    await live.server.revoke(session.tokenSet.refresh_token ?? session.tokenSet.access_token)
    await this.storeSealed(row.did, row.origin, { ...session, tokenSet: { ...session.tokenSet, expires_at: Date.now() - 60_000 } })
    this.resetClient()
    return true
  }

  /**
   * Points the session's PDS calls at `url` (e.g. a closed port: the PDS is down) and answers where they went before.
   * The library sends every authenticated call to the token set's `aud`.
   */
  async pointPdsAt(url: string): Promise<string> {
    const row = this.row()
    if (row === undefined) return ""
    const session = await this.open(row.did, row.sealed)
    await this.storeSealed(row.did, row.origin, { ...session, tokenSet: { ...session.tokenSet, aud: url } })
    this.resetClient()
    return session.tokenSet.aud
  }

  /** Makes every write waiting in the outbox due now (the alarm then retries them without waiting for the backoff). */
  makeOutboxDue(): number {
    return this.sql().exec("UPDATE outbox SET next_at = 0").rowsWritten
  }

  /** The secrets the session holds, for the plaintext scan to look for (test only). */
  async plaintextForScan(): Promise<{ accessToken: string; refreshToken: string; dpopD: string }> {
    const row = this.row()
    if (row === undefined) return { accessToken: "", refreshToken: "", dpopD: "" }
    const session = await this.open(row.did, row.sealed)
    return {
      accessToken: session.tokenSet.access_token,
      refreshToken: session.tokenSet.refresh_token ?? "",
      dpopD: String((session.dpopKey as { d?: string }).d ?? "")
    }
  }

  /** Every stored cell of this object's tables, as text (the plaintext-secret scan reads them). */
  storedText(): ReadonlyArray<string> {
    return ["session", "outbox"].flatMap((table) =>
      this.sql().exec(`SELECT * FROM ${table}`).toArray().flatMap((row) => Object.values(row).map(String)))
  }
}

export {
  ExpirableSessionDO as SessionDO,
  ConfigurableUserConnectorDO as UserConnectorDO,
  ControllableHostMatchDO as HostMatchDO,
  InspectableRateLimiterDO as RateLimiterDO,
  RecordingBookingDO as BookingDO
}
