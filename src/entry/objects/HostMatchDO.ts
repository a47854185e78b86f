import type { SqlClient } from "@effect/sql"
import { DurableObject } from "cloudflare:workers"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { BookingsRepoLive } from "../../adapters/d1/BookingsRepoLive"
import { CalendarTaskQueueLive } from "../../adapters/queues/CalendarTaskQueueLive"
import { CloudflareEnv, type Env } from "../../platform/CloudflareEnv"
import { D1Live } from "../../adapters/d1/D1Live"
import type { HoldLedgerShape } from "../../features/matching/engine/HoldLedger"
import { HoldLedger } from "../../features/matching/engine/HoldLedger"
import { MAX_HOLD_TTL_MS, MIN_HOLD_TTL_MS } from "../../domain/holds/policy"
import { type GroupCommitD1, groupCommitD1 } from "../../features/matching/engine/D1GroupCommit"
import { type HostMatchEngine, makeHostMatchEngine } from "../../features/matching/engine/HostMatchEngine"
import { HostWake, MatchTasks } from "../../features/matching/engine/HostMatchPorts"
import { DayShards } from "../../services/DayShards"
import { dayShardsOver } from "../../adapters/objects/HoldStoreLive"
import { sqliteHoldLedger } from "../../features/matching/engine/SqliteHoldLedger"
import { calendarProviderFor } from "../connectorsGraph"
import type { CalendarProvider } from "../../services/CalendarProvider"
import { ClaimReply, CommitmentsReply, ConfirmMeeting, ConfirmReply, CountReply, HoldStoreError, type HostMatchRpc, LeaseReply, MarkerClaim, MatchInDayReply, MatchReply, RescheduleReply, RescheduleRequest, ResumeReply, SettingReply, StatusReply, SwitchReply, VoidReply, WeekClaimRequest } from "../../services/HoldStore"
import { MatchRequest } from "../../domain/holds/matchRequest"
import type { HealthProbe } from "../health"
import { recordObjectStart } from "./objectStart"

/**
 * The calendars a host object talks to: per DID, the user's connectors (Google, Microsoft, CalDAV through
 * their UserConnectorDO) when they have any, otherwise their local calendar in D1.
 */
/** `HOLD_TTL_MS` (local dev and the e2e test shorten holds with it); ignored unless within the allowed range. */
const holdTtlFrom = (env: Env): { defaultHoldTtlMs?: number } => {
  const ms = Number(env.HOLD_TTL_MS)
  return env.HOLD_TTL_MS !== undefined && Number.isInteger(ms) && ms >= MIN_HOLD_TTL_MS && ms <= MAX_HOLD_TTL_MS ? { defaultHoldTtlMs: ms } : {}
}

const liveCalendars = (env: Env, d1: Layer.Layer<SqlClient.SqlClient>): Layer.Layer<CalendarProvider> =>
  calendarProviderFor(env, d1)

/**
 * One per host DID (`idFromName(hostDid)`): the single writer for a host's holds (see
 * src/features/matching/engine/HostMatchEngine.ts for the match itself). Holds and pending matches live in this
 * object's SQLite storage; its alarm expires holds on time and retries failed calendar releases; every
 * hold is mirrored to D1 `bookings` for the API and the `expire-holds` cron. A reschedule moves a booked
 * meeting in place (its calendar events and its existing D1 row), never a second hold or row.
 *
 * RPC methods take and return the schemas' encoded forms (`HoldStore` decodes them); call them through
 * the `HoldStore` service, never directly.
 */
export class HostMatchDO extends DurableObject<Env> implements HealthProbe, HostMatchRpc {
  readonly #ledger: HoldLedgerShape
  /** Every D1 statement of this object (mirror, local calendar, connector look-ups) goes through it. */
  protected readonly groupCommit: GroupCommitD1
  /** The alarm this instance last set; undefined when unknown or already fired (a new instance, or in alarm()). */
  #alarmAt: number | undefined
  #built: Promise<{ readonly run: <A>(effect: Effect.Effect<A>) => Promise<A>; readonly engine: HostMatchEngine }> | undefined

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    recordObjectStart(ctx, env, "HostMatchDO")
    this.#ledger = sqliteHoldLedger(ctx.storage.sql)
    this.groupCommit = groupCommitD1(env.DB)
  }

  /** The calendars this object talks to: the users' connectors or their local calendar in D1. */
  protected calendars(d1: Layer.Layer<SqlClient.SqlClient>): Layer.Layer<CalendarProvider> {
    return liveCalendars(this.env, d1)
  }

  /** Drops the built engine, so the next call builds it again (after `calendars` changes its answer). */
  protected rebuild(): void {
    this.#built = undefined
  }

  async health() {
    return { object: "HostMatchDO", ok: true } as const
  }

  /** The engine and its runtime, built once per instance on first use. */
  #engine() {
    this.#built ??= (async () => {
      const ledger = this.#ledger
      const storage = this.ctx.storage
      const root = CloudflareEnv.layer(this.env)
      // The object's concurrent matches share D1 round trips: their statements go as one batch.
      const d1 = D1Live.pipe(Layer.provide(CloudflareEnv.layer({ ...this.env, DB: this.groupCommit.db })))
      const wake = HostWake.of({
        // Reads the ledger and sets the alarm in one synchronous step, so the last refresh has the newest view.
        // An alarm already set no later than needed is left alone (an early wake-up finds nothing due and sets
        // the next one), which saves a storage write on most matches.
        refresh: Effect.tryPromise(async () => {
          const next = ledger.nextDueAt()
          if (next === undefined || (this.#alarmAt !== undefined && this.#alarmAt <= next)) return
          this.#alarmAt = next
          await storage.setAlarm(next)
        }).pipe(Effect.catchAll((error) => {
          this.#alarmAt = undefined
          return Effect.logError("could not set the alarm", { error: String(error) })
        }))
      })
      const layer = Layer.mergeAll(
        BookingsRepoLive.pipe(Layer.provide(d1)),
        this.calendars(d1),
        MatchTasks.Live.pipe(Layer.provide(CalendarTaskQueueLive), Layer.provide(root)),
        Layer.succeed(HoldLedger, ledger),
        Layer.succeed(HostWake, wake),
        Layer.succeed(DayShards, dayShardsOver(this.env.HOST_MATCH)),
        // Nothing here exports spans; @effect/sql would otherwise make one per statement.
        Layer.setTracerEnabled(false)
      )
      const runtime = ManagedRuntime.make(layer)
      const engine = await runtime.runPromise(makeHostMatchEngine({ objectKey: this.ctx.id.toString(), ...holdTtlFrom(this.env) }))
      return { run: <A>(effect: Effect.Effect<A>) => runtime.runPromise(effect), engine }
    })().catch((error: unknown) => {
      this.#built = undefined // build again on the next call rather than failing forever
      throw error
    })
    return this.#built
  }

  async #run<A, I>(reply: Schema.Schema<A, I>, program: (engine: HostMatchEngine) => Effect.Effect<A>): Promise<I> {
    const { engine, run } = await this.#engine()
    return run(Effect.map(program(engine), Schema.encodeSync(reply)))
  }

  async match(request: typeof MatchRequest.Encoded) {
    return this.#run(MatchReply, (engine) =>
      Schema.decodeUnknown(MatchRequest)(request).pipe(
        Effect.mapError((cause) => new HoldStoreError({ message: "malformed match request", cause })),
        Effect.flatMap(engine.match),
        Effect.either
      ))
  }

  async getMatchStatus(token: string, callerDid: string) {
    return this.#run(StatusReply, (engine) => Effect.either(engine.getMatchStatus(token, callerDid)))
  }

  async forgetMatchesOf(did: string) {
    return this.#run(CountReply, (engine) => Effect.either(engine.forgetMatchesOf(did)))
  }

  async forgetShardHomesOf(hostDid: string) {
    return this.#run(CountReply, (engine) => Effect.either(engine.forgetShardHomesOf(hostDid)))
  }

  async resumeMatch(token: string) {
    return this.#run(ResumeReply, (engine) => Effect.either(engine.resumeMatch(token)))
  }

  async confirm(bookingId: string, meeting?: typeof ConfirmMeeting.Encoded) {
    return this.#run(ConfirmReply, (engine) =>
      Effect.either(Effect.flatMap(Schema.decodeUnknown(Schema.UndefinedOr(ConfirmMeeting))(meeting).pipe(Effect.orDie), (m) => engine.confirm(bookingId, m))))
  }

  async reschedule(request: typeof RescheduleRequest.Encoded) {
    return this.#run(RescheduleReply, (engine) =>
      Schema.decodeUnknown(RescheduleRequest)(request).pipe(
        Effect.mapError((cause) => new HoldStoreError({ message: "malformed reschedule request", cause })),
        Effect.flatMap(engine.reschedule),
        Effect.either
      ))
  }

  async release(bookingId: string) {
    return this.#run(VoidReply, (engine) => Effect.either(engine.release(bookingId)))
  }

  async expire(bookingId: string) {
    return this.#run(VoidReply, (engine) => Effect.either(engine.expire(bookingId)))
  }

  // ---------------------------------------------------------------- day shards (see src/domain/holds/shards.ts)

  /** This object as the shard of `day`: the match, for slots starting on that day only. */
  async matchInDay(request: typeof MatchRequest.Encoded, day: number) {
    return this.#run(MatchInDayReply, (engine) =>
      Schema.decodeUnknown(MatchRequest)(request).pipe(
        Effect.mapError((cause) => new HoldStoreError({ message: "malformed match request", cause })),
        Effect.flatMap((decoded) => engine.matchInDay(decoded, day)),
        Effect.either
      ))
  }

  async claimMarker(claim: typeof MarkerClaim.Encoded) {
    return this.#run(ClaimReply, (engine) =>
      Schema.decodeUnknown(MarkerClaim)(claim).pipe(
        Effect.mapError((cause) => new HoldStoreError({ message: "malformed marker claim", cause })),
        Effect.flatMap(engine.claimMarker),
        Effect.either
      ))
  }

  async dropMarker(key: string) {
    return this.#run(VoidReply, (engine) => Effect.either(engine.dropMarker(key)))
  }

  async markerLease(bookingId: string) {
    return this.#run(LeaseReply, (engine) => Effect.either(engine.markerLease(bookingId)))
  }

  async blockingCount() {
    return this.#run(CountReply, (engine) => Effect.either(engine.blockingCount))
  }

  /** The host's object: a day shard's reservation asks for a place under the weekly cap. */
  async claimWeek(claim: typeof WeekClaimRequest.Encoded) {
    return this.#run(ClaimReply, (engine) =>
      Schema.decodeUnknown(WeekClaimRequest)(claim).pipe(
        Effect.mapError((cause) => new HoldStoreError({ message: "malformed week claim", cause })),
        Effect.flatMap(engine.claimWeek),
        Effect.either
      ))
  }

  async dropWeekClaim(bookingId: string) {
    return this.#run(VoidReply, (engine) => Effect.either(engine.dropWeekClaim(bookingId)))
  }

  /** The host's commitments (the host's object), or this day shard's own (`day`). */
  async commitments(hostDid: string, from: number, until: number, day?: number) {
    return this.#run(CommitmentsReply, (engine) => Effect.either(engine.commitments(hostDid, from, until, day)))
  }

  /** The host's `dayShards` switch (on the host's own object). */
  async dayShards() {
    return this.#run(SettingReply, (engine) => Effect.either(engine.dayShards))
  }

  async setDayShards(hostDid: string, on: boolean) {
    return this.#run(SwitchReply, (engine) => Effect.either(engine.setDayShards(hostDid, on)))
  }

  /** Expires holds on time, retries calendar releases, ends stale pending matches. */
  override async alarm() {
    this.#alarmAt = undefined // the runtime removed the alarm that is running now
    const { engine, run } = await this.#engine()
    await run(engine.wakeUp)
  }
}
