import { DurableObject } from "cloudflare:workers"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { makeBookingEngine, type BookingEngine } from "../../features/bookings/BookingEngine"
import { AuditLogLive } from "../../adapters/r2/AuditLogLive"
import { CloudflareEnv, type Env } from "../../platform/CloudflareEnv"
import { D1Live } from "../../adapters/d1/D1Live"
import { HoldStoreLive } from "../../adapters/objects/HoldStoreLive"
import { IcsStoreLive } from "../../adapters/r2/IcsStoreLive"
import { NotifyOutboxLive } from "../../adapters/queues/NotifyOutboxLive"
import { makePdsWriterTest } from "../../adapters/memory/PdsWriterTest"
import { RepositoriesLive } from "../../adapters/d1/RepositoriesLive"
import { WebhookSubscriptionsRepoLive } from "../../adapters/d1/WebhookSubscriptionsRepoLive"
import {
  type BookingRpc,
  LifecycleCommand,
  type LifecycleError,
  LifecycleReply,
  LifecycleUnavailable,
  RescheduleCommand
} from "../../services/BookingLifecycle"
import type { Booking } from "../../domain/booking/booking"
import type { RecordWrite } from "../../services/PdsWriter"
import type { HealthProbe } from "../health"

/** Tests only: the public records this object handed to PdsWriter (a symbol, so not an RPC method). */
export const pdsWrites = Symbol.for("overlap/BookingDO/pdsWrites")

/**
 * One per booking (`idFromName(bookingId)`): the serialized booking state machine. The engine
 * (src/features/bookings/BookingEngine.ts) lets one command run at a time and judges each against the state it
 * arrived at.
 *
 * RPC methods take and return the schemas' encoded forms; call them through `BookingLifecycle`.
 */
export class BookingDO extends DurableObject<Env> implements HealthProbe, BookingRpc {
  #built: Promise<{ readonly engine: BookingEngine; readonly writes: Effect.Effect<ReadonlyArray<RecordWrite>> }> | undefined
  #run_: (<A>(effect: Effect.Effect<A>) => Promise<A>) | undefined

  async health() {
    return { object: "BookingDO", ok: true } as const
  }

  #build() {
    this.#built ??= (async () => {
      const root = CloudflareEnv.layer(this.env)
      const repositories = RepositoriesLive.pipe(Layer.provide(root))
      const pds = await Effect.runPromise(makePdsWriterTest) // PdsWriter Live lands with a later issue
      const services = Layer.mergeAll(
        repositories,
        HoldStoreLive,
        IcsStoreLive,
        NotifyOutboxLive.pipe(Layer.provide(WebhookSubscriptionsRepoLive.pipe(Layer.provide(D1Live)))),
        AuditLogLive.pipe(Layer.provide(repositories)),
        pds.layer
      ).pipe(Layer.provide(root))
      // One runtime for the instance's life: the services (D1 client, bindings) stay built between calls.
      const runtime = ManagedRuntime.make(services)
      this.#run_ = (effect) => runtime.runPromise(effect)
      const engine = await runtime.runPromise(makeBookingEngine)
      return { engine, writes: pds.writes }
    })()
    return this.#built
  }

  async #run<I>(schema: Schema.Schema<any, I>, input: I, f: (engine: BookingEngine, command: any) => Effect.Effect<Booking, LifecycleError>) {
    const { engine } = await this.#build()
    const program = Schema.decodeUnknown(schema)(input).pipe(
      Effect.mapError((cause) => new LifecycleUnavailable({ message: "bad command", cause })),
      Effect.flatMap((command) => f(engine, command)),
      Effect.either,
      Effect.flatMap((reply) => Schema.encode(LifecycleReply)(reply)),
      Effect.orDie
    )
    return this.#run_!(program)
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

  async [pdsWrites](): Promise<ReadonlyArray<RecordWrite>> {
    const { writes } = await this.#build()
    return Effect.runPromise(writes)
  }
}
