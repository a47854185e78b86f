import { DurableObject } from "cloudflare:workers"
import { type BucketDecision, type BucketLimit, type BucketState, isFull, isValidLimit, take } from "../../domain/tokenBucket"
import type { Env } from "../../platform/CloudflareEnv"
import type { HealthProbe } from "../health"
import { recordObjectStart } from "./objectStart"

/** What one `take` asks for: the bucket's limit (from the caller's config) and the tokens to spend. */
export interface TakeRequest extends BucketLimit {
  readonly cost: number
}

interface BucketRow extends Record<string, SqlStorageValue> {
  bucket: string
  tokens: number
  updated_ms: number
  capacity: number
  refill_per_second: number
}

/**
 * One per rate-limited subject: a caller DID, or an anonymous caller's IP prefix (the object's
 * name, see `RateLimiter`). Holds that subject's token buckets, one per method class, in the
 * object's SQLite storage: the token count as a float and the instant it was computed for, so
 * refills are exact (src/domain/tokenBucket.ts). Each `take` is a synchronous read-modify-write,
 * so concurrent calls are serialized by the object and cannot both spend the last token.
 *
 * A full bucket is the same as no bucket: an alarm set for when every bucket has refilled deletes
 * the object's storage, so objects of one-off callers do not linger.
 */
export class RateLimiterDO extends DurableObject<Env> implements HealthProbe {
  // The table is created on first use (and again after the cleanup alarm deleted all storage), so
  // an object that only answered health probes stores nothing.
  private schemaReady = false

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    recordObjectStart(ctx, env, "RateLimiterDO")
  }

  protected sql(): SqlStorage {
    if (!this.schemaReady) {
      this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS buckets (
        bucket TEXT PRIMARY KEY,
        tokens REAL NOT NULL,
        updated_ms INTEGER NOT NULL,
        capacity REAL NOT NULL,
        refill_per_second REAL NOT NULL
      )`)
      this.schemaReady = true
    }
    return this.ctx.storage.sql
  }

  async health() {
    return { object: "RateLimiterDO", ok: true } as const
  }

  /** Spends `request.cost` tokens from `bucket` now, if it has them. */
  async take(bucket: string, request: TakeRequest): Promise<BucketDecision> {
    const decision = this.takeAt(bucket, request, Date.now())
    await this.scheduleCleanup(Date.now() + decision.resetMs)
    return decision
  }

  /** `take` at a given instant, without scheduling cleanup. */
  protected takeAt(bucket: string, request: TakeRequest, nowMs: number): BucketDecision {
    const limit: BucketLimit = { capacity: request.capacity, refillPerSecond: request.refillPerSecond }
    if (!isValidLimit(limit) || !Number.isFinite(request.cost) || request.cost < 0 || request.cost > limit.capacity) {
      throw new RangeError(`RateLimiterDO.take: invalid limit or cost for bucket ${bucket}`)
    }
    const row = this.sql()
      .exec<BucketRow>("SELECT * FROM buckets WHERE bucket = ?", bucket)
      .toArray()[0]
    const previous: BucketState | undefined = row ? { tokens: row.tokens, updatedMs: row.updated_ms } : undefined
    const { decision, state } = take(previous, limit, request.cost, nowMs)
    this.sql().exec(
      `INSERT INTO buckets (bucket, tokens, updated_ms, capacity, refill_per_second) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (bucket) DO UPDATE SET tokens = excluded.tokens, updated_ms = excluded.updated_ms,
         capacity = excluded.capacity, refill_per_second = excluded.refill_per_second`,
      bucket,
      state.tokens,
      state.updatedMs,
      limit.capacity,
      limit.refillPerSecond
    )
    return decision
  }

  /** Drops buckets that have refilled; when none is left, the whole object's storage. */
  override async alarm(): Promise<void> {
    this.alarmAt = null
    const now = Date.now()
    const rows = this.sql().exec<BucketRow>("SELECT * FROM buckets").toArray()
    let latestFullAt = 0
    for (const row of rows) {
      const limit = { capacity: row.capacity, refillPerSecond: row.refill_per_second }
      const state = { tokens: row.tokens, updatedMs: row.updated_ms }
      if (isFull(state, limit, now)) {
        this.sql().exec("DELETE FROM buckets WHERE bucket = ?", row.bucket)
      } else {
        latestFullAt = Math.max(latestFullAt, now + Math.ceil(((limit.capacity - state.tokens) * 1000) / limit.refillPerSecond))
      }
    }
    if (latestFullAt > 0) {
      await this.ctx.storage.setAlarm(latestFullAt)
      this.alarmAt = latestFullAt
    } else {
      await this.ctx.storage.deleteAlarm()
      await this.ctx.storage.deleteAll()
      this.schemaReady = false
    }
  }

  // The cleanup alarm only needs to exist: when it fires early (buckets were spent after it was set)
  // it re-arms itself for the latest bucket. So a take writes an alarm only when none is set, and the
  // answer of getAlarm is remembered (undefined = not read yet).
  private alarmAt: number | null | undefined = undefined

  private async scheduleCleanup(fullAt: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm()
    if (this.alarmAt === null) {
      await this.ctx.storage.setAlarm(fullAt)
      this.alarmAt = fullAt
    }
  }
}
