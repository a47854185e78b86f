import { DurableObject } from "cloudflare:workers"
import { Effect, ManagedRuntime, Schema } from "effect"
import type { Env } from "../../platform/CloudflareEnv"
import { connectorEngineLayer } from "../connectorsGraph"
import { makeUserConnectorEngine, type UserConnectorEngine } from "../../features/connectors/UserConnectorEngine"
import { HoldRef, type Interval } from "../../services/CalendarProvider"
import { MeetingDetailsSchema } from "../../domain/booking/meetingPlace"
import {
  ActivateReply,
  BusyReply,
  type CaldavCredentials,
  ChangedReply,
  ConflictsReply,
  ConnectCaldavReply,
  ExistingHoldReply,
  HoldReply,
  HoldRequestSchema,
  type HoldToCheck,
  MaintainReply,
  ReleaseReply,
  RemoveReply,
  type UserConnectorRpc
} from "../../services/UserConnectors"
import type { HealthProbe } from "../health"
import { recordObjectStart } from "./objectStart"

/**
 * One per user DID (`idFromName(did)`): that user's calendar connectors (src/features/connectors/
 * UserConnectorEngine.ts). Tokens are decrypted into this object's memory and nowhere else; refreshes are
 * serialized here; the free/busy cache lives in memory (never in the object's storage, D1, KV or R2).
 *
 * RPC methods take and return the schemas' encoded forms; call them through `UserConnectors`, never directly.
 */
export class UserConnectorDO extends DurableObject<Env> implements HealthProbe, UserConnectorRpc {
  #did: string | undefined
  #built: Promise<{ readonly run: <A>(effect: Effect.Effect<A>) => Promise<A>; readonly engine: UserConnectorEngine }> | undefined

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    recordObjectStart(ctx, env, "UserConnectorDO")
  }

  /** The env the connector services are built over. */
  protected connectorEnv(): Env {
    return this.env
  }

  /** Drops the built engine, so the next call builds it again (after `connectorEnv` changes its answer). */
  protected rebuild(): void {
    this.#built = undefined
  }

  async health() {
    return { object: "UserConnectorDO", ok: true } as const
  }

  #engine(did: string) {
    // The object is named after the DID; a call for another DID was routed wrongly and must not see these connectors.
    if (this.#did !== undefined && this.#did !== did) return Promise.reject(new Error("UserConnectorDO: called for another user"))
    this.#did = did
    this.#built ??= (async () => {
      const runtime = ManagedRuntime.make(connectorEngineLayer(this.connectorEnv()))
      const engine = await runtime.runPromise(makeUserConnectorEngine(did))
      return { run: <A>(effect: Effect.Effect<A>) => runtime.runPromise(effect), engine }
    })().catch((error: unknown) => {
      this.#built = undefined
      throw error
    })
    return this.#built
  }

  async #run<A, I>(did: string, reply: Schema.Schema<A, I>, program: (engine: UserConnectorEngine) => Effect.Effect<A>): Promise<I> {
    const { engine, run } = await this.#engine(did)
    return run(Effect.map(program(engine), Schema.encodeSync(reply)))
  }

  async busy(did: string, range: Interval) {
    return this.#run(did, BusyReply, (engine) => Effect.either(engine.busy({ start: range.start, end: range.end })))
  }

  async placeHold(did: string, hold: typeof HoldRequestSchema.Encoded) {
    return this.#run(did, HoldReply, (engine) => Effect.either(Effect.flatMap(Schema.decodeUnknown(HoldRequestSchema)(hold).pipe(Effect.orDie), engine.placeHold)))
  }

  async confirmHold(did: string, ref: typeof HoldRef.Encoded, meeting?: typeof MeetingDetailsSchema.Encoded) {
    return this.#run(did, ExistingHoldReply, (engine) =>
      Effect.either(Effect.flatMap(decodeRef(ref), (r) => Effect.flatMap(decodeMeeting(meeting), (m) => engine.confirmHold(r, m)))))
  }

  async moveHold(did: string, ref: typeof HoldRef.Encoded, to: Interval) {
    return this.#run(did, ExistingHoldReply, (engine) => Effect.either(Effect.flatMap(decodeRef(ref), (r) => engine.moveHold(r, { start: to.start, end: to.end }))))
  }

  async releaseHold(did: string, ref: typeof HoldRef.Encoded) {
    return this.#run(did, ReleaseReply, (engine) => Effect.either(Effect.flatMap(decodeRef(ref), engine.releaseHold)))
  }

  async activate(did: string, connectorId: string, access?: { accessToken: string; expiresAt: number }) {
    return this.#run(did, ActivateReply, (engine) => Effect.either(engine.activate(connectorId, access)))
  }

  async connectCaldav(did: string, credentials: CaldavCredentials) {
    return this.#run(did, ConnectCaldavReply, (engine) => Effect.either(engine.connectCaldav(credentials)))
  }

  async remove(did: string, connectorId: string) {
    return this.#run(did, RemoveReply, (engine) => Effect.either(engine.remove(connectorId)))
  }

  async maintain(did: string) {
    return this.#run(did, MaintainReply, (engine) => Effect.either(engine.maintain))
  }

  async calendarChanged(did: string, connectorId: string) {
    return this.#run(did, ChangedReply, (engine) => Effect.either(engine.calendarChanged(connectorId)))
  }

  async findConflicts(did: string, holds: ReadonlyArray<HoldToCheck>) {
    return this.#run(did, ConflictsReply, (engine) => Effect.either(engine.findConflicts(holds)))
  }
}

const decodeRef = (ref: unknown) => Schema.decodeUnknown(HoldRef)(ref).pipe(Effect.orDie)
const decodeMeeting = (meeting: unknown) =>
  meeting === undefined ? Effect.succeed(undefined) : Schema.decodeUnknown(MeetingDetailsSchema)(meeting).pipe(Effect.orDie)
