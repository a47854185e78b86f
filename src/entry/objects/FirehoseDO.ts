import { DurableObject } from "cloudflare:workers"
import { Layer, ManagedRuntime } from "effect"
import { IngestCursorStoreLive } from "../../adapters/objects/IngestCursorStoreLive"
import type { IngestSource } from "../../domain/ingest/sources"
import { FirehoseSession, type FirehoseStatus } from "../../features/ingest/firehoseSession"
import type { Env } from "../../platform/CloudflareEnv"
import { firehoseLayer } from "../firehoseGraph"
import type { HealthProbe } from "../health"
import { recordObjectStart } from "./objectStart"

export type { FirehoseStatus } from "../../features/ingest/firehoseSession"

/**
 * One per ingest source (`idFromName(source.id)`): the RPC face of its FirehoseSession
 * (src/features/ingest/firehoseSession.ts), over the firehose worker's services and this object's storage.
 */
export class FirehoseDO extends DurableObject<Env> implements HealthProbe {
  #session!: FirehoseSession

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    recordObjectStart(ctx, env, "FirehoseDO")
    const runtime = ManagedRuntime.make(Layer.merge(firehoseLayer(env), IngestCursorStoreLive(ctx.storage)))
    const keepAlive = { set: (at: number) => ctx.storage.setAlarm(at), clear: () => ctx.storage.deleteAlarm() }
    ctx.blockConcurrencyWhile(async () => {
      this.#session = await FirehoseSession.open((effect) => runtime.runPromise(effect), keepAlive)
    })
  }

  async health() {
    return { object: "FirehoseDO", ok: true } as const
  }

  /** Starts (or keeps) the subscription for `source`; idempotent, called by the cron and at startup. */
  async ensureRunning(source: IngestSource): Promise<FirehoseStatus> {
    return this.#session.ensureRunning(source)
  }

  /** Closes the socket and stays closed until `ensureRunning`; pending events are enqueued and the cursor saved. */
  async stop(): Promise<FirehoseStatus> {
    return this.#session.stop()
  }

  async status(): Promise<FirehoseStatus> {
    return this.#session.status()
  }

  /** Operations: move the stored cursor (null: start from the live tail). Takes effect on the next connect. */
  async setCursor(cursor: number | null): Promise<void> {
    return this.#session.setCursor(cursor)
  }

  override async alarm(): Promise<void> {
    return this.#session.alarm()
  }
}
