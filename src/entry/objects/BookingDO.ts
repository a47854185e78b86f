import { DurableObject } from "cloudflare:workers"
import { Effect, Layer, Schema } from "effect"
import { makeBookingEngine, type BookingEngine } from "../../features/bookings/BookingEngine"
import { AuditLogLive } from "../../adapters/r2/AuditLogLive"
import { CloudflareEnv, type Env } from "../../platform/CloudflareEnv"
import { D1Live } from "../../adapters/d1/D1Live"
import { HoldStoreLive } from "../../adapters/objects/HoldStoreLive"
import { IcsStoreLive } from "../../adapters/r2/IcsStoreLive"
import { NotifyOutboxLive } from "../../adapters/queues/NotifyOutboxLive"
import { publishedOnly } from "../../adapters/atproto/PdsWriterLive"
import { AccountSettingsLive } from "../../adapters/d1/AccountSettingsLive"
import { AtprotoSessionsLive } from "../../adapters/objects/AtprotoSessionsLive"
import { RepositoriesLive } from "../../adapters/d1/RepositoriesLive"
import { WebhookSubscriptionsRepoLive } from "../../adapters/d1/WebhookSubscriptionsRepoLive"
import {
  type BookingRpc,
  LifecycleCommand,
  type LifecycleError,
  LifecycleReply,
  BookingUnavailable,
  RescheduleCommand
} from "../../services/BookingLifecycle"
import type { Booking } from "../../domain/booking/booking"
import type { PdsWriter } from "../../services/PdsWriter"
import { buildIsolateRuntime } from "../../platform/isolateRuntime"
import type { HealthProbe } from "../health"
import { recordObjectStart } from "./objectStart"

/**
 * One per booking (`idFromName(bookingId)`): the serialized booking state machine. The engine
 * (src/features/bookings/BookingEngine.ts) lets one command run at a time and judges each against the state it
 * arrived at.
 *
 * RPC methods take and return the schemas' encoded forms; call them through `BookingLifecycle`.
 */
export class BookingDO extends DurableObject<Env> implements HealthProbe, BookingRpc {
  #built: { readonly run: <A>(effect: Effect.Effect<A>) => Promise<A>; readonly engine: BookingEngine } | undefined

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    recordObjectStart(ctx, env, "BookingDO")
  }

  async health() {
    return { object: "BookingDO", ok: true } as const
  }

  /**
   * Where the booking's public record goes: the host's PDS through their SessionDO, only when they turned
   * publishing on (off by default).
   */
  protected pdsWriter(): Layer.Layer<PdsWriter, never, CloudflareEnv> {
    return publishedOnly.pipe(Layer.provide(Layer.merge(AccountSettingsLive, AtprotoSessionsLive)))
  }

  /** The services and the engine, built synchronously on first use and kept for the instance's life. */
  #build() {
    if (this.#built === undefined) {
      const root = CloudflareEnv.layer(this.env)
      const repositories = RepositoriesLive.pipe(Layer.provide(root))
      const services = Layer.mergeAll(
        repositories,
        HoldStoreLive,
        IcsStoreLive,
        NotifyOutboxLive.pipe(Layer.provide(WebhookSubscriptionsRepoLive.pipe(Layer.provide(D1Live)))),
        AuditLogLive.pipe(Layer.provide(repositories)),
        this.pdsWriter()
      ).pipe(Layer.provide(root))
      const runtime = buildIsolateRuntime(services)
      this.#built = { run: runtime.runPromise, engine: runtime.runSync(makeBookingEngine) }
    }
    return this.#built
  }

  async #run<I>(schema: Schema.Schema<any, I>, input: I, f: (engine: BookingEngine, command: any) => Effect.Effect<Booking, LifecycleError>) {
    const { run, engine } = this.#build()
    const program = Schema.decodeUnknown(schema)(input).pipe(
      Effect.mapError((cause) => new BookingUnavailable({ message: "bad command", cause })),
      Effect.flatMap((command) => f(engine, command)),
      Effect.either,
      Effect.flatMap((reply) => Schema.encode(LifecycleReply)(reply)),
      Effect.orDie
    )
    return run(program)
  }

  finalize(command: typeof LifecycleCommand.Encoded) {
    return this.#run(LifecycleCommand, command, (e, c) => e.finalize(c))
  }
  decline(command: typeof LifecycleCommand.Encoded) {
    return this.#run(LifecycleCommand, command, (e, c) => e.decline(c))
  }
  cancel(command: typeof LifecycleCommand.Encoded) {
    return this.#run(LifecycleCommand, command, (e, c) => e.cancel(c))
  }
  reschedule(command: typeof RescheduleCommand.Encoded) {
    return this.#run(RescheduleCommand, command, (e, c) => e.reschedule(c))
  }
  confirmReschedule(command: typeof LifecycleCommand.Encoded) {
    return this.#run(LifecycleCommand, command, (e, c) => e.confirmReschedule(c))
  }
  declineReschedule(command: typeof LifecycleCommand.Encoded) {
    return this.#run(LifecycleCommand, command, (e, c) => e.declineReschedule(c))
  }
}
