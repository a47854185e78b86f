import { DurableObject } from "cloudflare:workers"
import { Effect, Either, ManagedRuntime } from "effect"
import type { IndexTask, IngestEvent } from "../../domain/ingest/events"
import { decodeFrame, type FirehoseFrame, overlapOps } from "../../domain/ingest/firehoseFrame"
import { decodeJetstreamMessage } from "../../domain/ingest/jetstream"
import { admitEvents } from "../../features/ingest/admit"
import { MAX_BATCH_MESSAGES } from "../../domain/ingest/indexTaskBatches"
import { IndexTaskQueue } from "../../services/IndexTaskQueue"
import { fetchableUrl, type IngestSource, subscribeUrl } from "../../features/ingest/sources"
import { verifyCommit } from "../../features/ingest/verifyCommit"
import type { Env } from "../../platform/CloudflareEnv"
import { FirehoseCursorsRepo } from "../../services/FirehoseCursorsRepo"
import { IdentityResolver } from "../../services/IdentityResolver"
import { IngestMetrics } from "../../services/IngestMetrics"
import { firehoseLayer, type FirehoseServices } from "../firehoseGraph"
import type { HealthProbe } from "../health"

/** Counters kept with the cursor (they survive restarts); also sent to Analytics as they happen. */
export interface IngestCounters {
  frames: number
  commits: number
  /** commits with at least one app.overlap.* op */
  overlapCommits: number
  enqueued: number
  invalidRecords: number
  rejectedCommits: number
  /** events whose rev was not newer than the last one seen for the DID */
  staleEvents: number
  undecodable: number
  tooBig: number
  outdatedCursor: number
  futureCursor: number
  consumerTooSlow: number
  connects: number
  disconnects: number
  enqueueFailures: number
}

const zeroCounters = (): IngestCounters => ({
  frames: 0,
  commits: 0,
  overlapCommits: 0,
  enqueued: 0,
  invalidRecords: 0,
  rejectedCommits: 0,
  staleEvents: 0,
  undecodable: 0,
  tooBig: 0,
  outdatedCursor: 0,
  futureCursor: 0,
  consumerTooSlow: 0,
  connects: 0,
  disconnects: 0,
  enqueueFailures: 0
})

export interface FirehoseStatus {
  readonly source: IngestSource | null
  readonly running: boolean
  readonly connected: boolean
  /** Where a reconnect resumes: persisted only after everything before it was enqueued. */
  readonly cursor: number | null
  readonly counters: IngestCounters
}

/** Keep-alive: the alarm checks the socket this often (the firehose worker's cron is the backstop). */
const ALARM_INTERVAL_MS = 30_000
const BACKOFF_MIN_MS = 500
const BACKOFF_MAX_MS = 60_000
/** Frames waiting to be decoded; past this the consumer is too slow: drop the socket, resume from the cursor. */
const MAX_INBOX = 10_000
/** An enqueued batch is never held back longer than this while frames keep arriving. */
const MAX_PENDING_AGE_MS = 250
/** With nothing to enqueue, the cursor (DO storage) is persisted at most this often; D1's copy less often. */
const CURSOR_PERSIST_MS = 1_000
const CURSOR_D1_MS = 10_000

type Frame = ArrayBuffer | string

/**
 * One per ingest source (`idFromName(source.id)`): keeps the outbound WebSocket to a relay/PDS firehose or
 * Jetstream open, decodes and filters frames, verifies `app.overlap.*` commits, and sends index tasks to
 * `index-tasks`. The cursor and the per-DID revs move only after the batch holding their events is
 * enqueued (one SQLite transaction), so a restart resumes with nothing lost; a replay is dropped by the
 * per-DID rev check and, past it, by the indexer's rev guard, so nothing is applied twice.
 */
export class FirehoseDO extends DurableObject<Env> implements HealthProbe {
  private runtime: ManagedRuntime.ManagedRuntime<FirehoseServices, never> | undefined
  private source: IngestSource | null = null
  private stopped = true
  private ws: WebSocket | null = null
  private connecting = false
  private generation = 0
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined
  private cursorTimer: ReturnType<typeof setTimeout> | undefined
  private backoffMs = 0

  private inbox: Array<Frame> = []
  private inboxHead = 0
  private draining: Promise<void> | null = null

  /** Events admitted since the last enqueue, and the cursor/revs that become durable with them. */
  private pending: Array<IndexTask> = []
  private pendingSince = 0
  private pendingRevs = new Map<string, string>()
  private processedCursor: number | null = null
  private persistedCursor: number | null = null
  private lastPersistAt = 0
  private lastD1CursorAt = 0
  private cursorWasReset = false
  private revCache = new Map<string, string>()
  private counters: IngestCounters = zeroCounters()

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS repo_revs (did TEXT PRIMARY KEY, rev TEXT NOT NULL)`)
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS ingest_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`)
      const state = this.readState()
      this.source = state.source
      this.stopped = state.stopped
      this.persistedCursor = state.cursor
      this.processedCursor = state.cursor
      this.counters = { ...zeroCounters(), ...state.counters }
    })
  }

  // ---------------------------------------------------------------------------------------------------------
  // RPC

  async health() {
    return { object: "FirehoseDO", ok: true } as const
  }

  /** Starts (or keeps) the subscription for `source`; idempotent, called by the cron and at startup. */
  async ensureRunning(source: IngestSource): Promise<FirehoseStatus> {
    const changed = this.source === null || this.source.url !== source.url || this.source.kind !== source.kind
    if (changed && this.source !== null) {
      // a different upstream: its cursor means nothing here
      this.writeCursor(null)
      this.persistedCursor = this.processedCursor = null
    }
    this.source = source
    this.stopped = false
    this.writeState("source", JSON.stringify(source))
    this.writeState("stopped", "false")
    await this.ctx.storage.setAlarm(Date.now() + ALARM_INTERVAL_MS)
    if (this.ws === null && !this.connecting && this.reconnectTimer === undefined) await this.openSocket()
    return this.status()
  }

  /** Closes the socket and stays closed until `ensureRunning`; pending events are enqueued and the cursor saved. */
  async stop(): Promise<FirehoseStatus> {
    this.stopped = true
    this.writeState("stopped", "true")
    await this.ctx.storage.deleteAlarm()
    this.clearReconnect()
    this.generation++
    const ws = this.ws
    this.ws = null
    try {
      ws?.close(1000, "stopped")
    } catch {
      // already closed
    }
    await this.drained()
    await this.flush(true).catch(() => this.abandonUnsent())
    // a stopped object forgets what it only had in memory, as an evicted one would
    this.revCache.clear()
    this.inbox = []
    this.inboxHead = 0
    return this.status()
  }

  async status(): Promise<FirehoseStatus> {
    return {
      source: this.source,
      running: !this.stopped,
      connected: this.ws !== null,
      cursor: this.persistedCursor,
      counters: { ...this.counters }
    }
  }

  /** Operations: move the stored cursor (null: start from the live tail). Takes effect on the next connect. */
  async setCursor(cursor: number | null): Promise<void> {
    this.writeCursor(cursor)
    this.persistedCursor = this.processedCursor = cursor
    this.cursorWasReset = true
  }

  override async alarm(): Promise<void> {
    if (this.stopped || this.source === null) return
    await this.ctx.storage.setAlarm(Date.now() + ALARM_INTERVAL_MS)
    if (this.ws === null && !this.connecting && this.reconnectTimer === undefined) await this.openSocket()
    else if (this.draining === null) await this.flush(true).catch((error) => this.restart(error))
  }

  // ---------------------------------------------------------------------------------------------------------
  // Connection

  private async openSocket(): Promise<void> {
    const source = this.source
    if (source === null || this.stopped || this.ws !== null || this.connecting) return
    this.connecting = true
    try {
      await this.drained()
      const url = subscribeUrl(source, this.persistedCursor)
      const response = await fetch(fetchableUrl(url), { headers: { Upgrade: "websocket" } })
      const ws = response.webSocket
      if (ws === null) throw new Error(`${url} answered ${response.status} without a WebSocket`)
      ws.accept()
      const generation = ++this.generation
      ws.addEventListener("message", (event) => {
        if (generation === this.generation) this.onFrame(event.data as Frame)
      })
      ws.addEventListener("close", (event) => {
        if (generation === this.generation) this.onDisconnected(`closed (${event.code} ${event.reason})`)
      })
      ws.addEventListener("error", () => {
        if (generation === this.generation) this.onDisconnected("socket error")
      })
      this.ws = ws
      this.bump("connects")
      this.log("info", "firehose connected", { url })
    } catch (error) {
      this.log("warn", "firehose connect failed", { error: String(error) })
      this.scheduleReconnect()
    } finally {
      this.connecting = false
    }
  }

  private onDisconnected(reason: string) {
    this.ws = null
    this.bump("disconnects")
    this.log("warn", "firehose disconnected", { reason })
    this.scheduleReconnect()
  }

  private scheduleReconnect() {
    if (this.stopped || this.reconnectTimer !== undefined) return
    this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs === 0 ? BACKOFF_MIN_MS : this.backoffMs * 2)
    const delay = this.backoffMs / 2 + Math.random() * (this.backoffMs / 2)
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined
      void this.openSocket()
    }, delay)
  }

  private clearReconnect() {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = undefined
  }

  /** Something could not be enqueued: drop what is only in memory and resume from the persisted cursor. */
  private restart(error: unknown) {
    this.bump("enqueueFailures")
    this.log("error", "firehose enqueue failed; resuming from the stored cursor", { error: String(error) })
    this.generation++
    const ws = this.ws
    this.ws = null
    try {
      ws?.close(1011, "enqueue failed")
    } catch {
      // already closed
    }
    this.inbox = []
    this.inboxHead = 0
    this.abandonUnsent()
    this.scheduleReconnect()
  }

  private abandonUnsent() {
    this.pending = []
    this.pendingRevs.clear()
    this.processedCursor = this.persistedCursor
  }

  // ---------------------------------------------------------------------------------------------------------
  // Frames, in arrival order, one at a time

  private onFrame(data: Frame) {
    this.inbox.push(data)
    this.backoffMs = 0
    if (this.inbox.length - this.inboxHead > MAX_INBOX) {
      this.restart(new Error(`more than ${MAX_INBOX} frames waiting`))
      return
    }
    if (this.draining === null) {
      this.draining = this.drain().finally(() => {
        this.draining = null
      })
    }
  }

  private async drained(): Promise<void> {
    while (this.draining !== null) await this.draining
  }

  private async drain(): Promise<void> {
    const generation = this.generation
    try {
      // frames that arrive while the final flush is awaited are taken by the outer loop
      while (this.inboxHead < this.inbox.length) {
        await this.drainInbox(generation)
        if (generation !== this.generation) return
        // caught up: send what is waiting now rather than wait for a full batch
        await this.flush(false)
      }
      this.persistCursorSoon()
    } catch (error) {
      if (generation === this.generation) this.restart(error)
    }
  }

  /** A cursor the throttle held back is saved a moment later, so a quiet stream does not leave it behind. */
  private persistCursorSoon() {
    if (this.cursorTimer !== undefined || this.processedCursor === this.persistedCursor) return
    this.cursorTimer = setTimeout(() => {
      this.cursorTimer = undefined
      if (this.draining === null && !this.stopped) void this.flush(true).catch((error) => this.restart(error))
    }, CURSOR_PERSIST_MS)
  }

  private async drainInbox(generation: number): Promise<void> {
    while (this.inboxHead < this.inbox.length) {
      const frame = this.inbox[this.inboxHead]!
      this.inbox[this.inboxHead++] = undefined as unknown as Frame
      if (this.inboxHead > 1_024 && this.inboxHead * 2 > this.inbox.length) {
        this.inbox = this.inbox.slice(this.inboxHead)
        this.inboxHead = 0
      }
      await this.handleFrame(frame)
      if (generation !== this.generation) return
      if (
        this.pending.length >= MAX_BATCH_MESSAGES ||
        (this.pending.length > 0 && Date.now() - this.pendingSince >= MAX_PENDING_AGE_MS)
      ) {
        await this.flush(false)
      }
    }
  }

  private async handleFrame(data: Frame): Promise<void> {
    this.counters.frames++
    const source = this.source!
    if (source.kind === "jetstream") {
      if (typeof data !== "string") return void this.bump("undecodable")
      const decoded = decodeJetstreamMessage(data)
      if (Either.isLeft(decoded)) {
        this.bump("undecodable")
        return this.log("warn", "undecodable Jetstream message", { error: decoded.left.message })
      }
      const { cursor, event } = decoded.right
      if (event !== null) {
        if ((event._tag === "identity" || event._tag === "account") && !this.isKnown(event.did)) return this.advance(cursor)
        if (event._tag === "identity") await this.run(Effect.flatMap(IdentityResolver, (identity) => identity.invalidate(event.did)))
        if (event._tag === "create" || event._tag === "update" || event._tag === "delete") {
          if (!this.isNewer(event.did, event.rev)) return this.advance(cursor, () => this.bump("staleEvents"))
          this.pendingRevs.set(event.did, event.rev)
        }
        await this.admit([event])
      }
      return this.advance(cursor)
    }

    if (typeof data === "string") return void this.bump("undecodable")
    const decoded = decodeFrame(new Uint8Array(data))
    if (Either.isLeft(decoded)) {
      this.bump("undecodable")
      return this.log("warn", "undecodable firehose frame", { error: decoded.left.message })
    }
    await this.handleFirehoseFrame(decoded.right)
  }

  private async handleFirehoseFrame(frame: FirehoseFrame): Promise<void> {
    switch (frame.kind) {
      case "commit": {
        this.counters.commits++
        const ops = overlapOps(frame)
        if (ops.length === 0) return this.advance(frame.seq)
        this.bump("overlapCommits")
        if (!this.isNewer(frame.repo, frame.rev)) return this.advance(frame.seq, () => this.bump("staleEvents"))
        if (frame.tooBig) {
          // no blocks to verify: the hourly drift repair picks these records up from the PDS
          this.bump("tooBig")
          return this.advance(frame.seq)
        }
        const verified = await this.run(Effect.either(verifyCommit(frame, ops)))
        if (Either.isLeft(verified)) {
          this.bump("rejectedCommits", frame.repo)
          this.log("warn", "firehose commit rejected", { did: frame.repo, rev: frame.rev, ...verified.left })
          return this.advance(frame.seq)
        }
        this.pendingRevs.set(frame.repo, frame.rev)
        await this.admit(verified.right)
        return this.advance(frame.seq)
      }
      case "sync":
        // the repo was reset to a new state without per-record ops: reconciled by drift repair
        if (this.isNewer(frame.did, frame.rev)) this.pendingRevs.set(frame.did, frame.rev)
        return this.advance(frame.seq)
      case "identity":
        await this.run(Effect.flatMap(IdentityResolver, (identity) => identity.invalidate(frame.did)))
        if (this.isKnown(frame.did)) await this.admit([{ _tag: "identity", did: frame.did, handle: frame.handle }])
        return this.advance(frame.seq)
      case "account": {
        if (!this.isKnown(frame.did)) return this.advance(frame.seq)
        const time = Date.parse(frame.time)
        await this.admit([
          { _tag: "account", did: frame.did, active: frame.active, status: frame.status, time: Number.isFinite(time) ? time : Date.now() }
        ])
        return this.advance(frame.seq)
      }
      case "info":
        if (frame.name === "OutdatedCursor") {
          // the cursor is older than the server's backfill window: it replays from its oldest event; drift repair covers the gap
          this.bump("outdatedCursor")
        }
        return this.log("warn", "firehose info", { name: frame.name, message: frame.message })
      case "error":
        if (frame.error === "FutureCursor") {
          // our cursor is ahead of the server (it was reset): take the live tail from now on
          this.bump("futureCursor")
          await this.setCursor(null)
        } else if (frame.error === "ConsumerTooSlow") {
          this.bump("consumerTooSlow")
        }
        return this.log("warn", "firehose error frame", { error: frame.error, message: frame.message })
      case "unknown":
        if (frame.seq !== null) this.advance(frame.seq)
        return
    }
  }

  private async admit(events: ReadonlyArray<IngestEvent>): Promise<void> {
    const { tasks, rejected } = await this.run(admitEvents(this.source!.id, events))
    this.counters.invalidRecords += rejected.length
    if (tasks.length === 0) return
    if (this.pending.length === 0) this.pendingSince = Date.now()
    this.pending.push(...tasks)
  }

  /**
   * Identity and account events go on only for DIDs that have written app.overlap.* records (a relay carries
   * them for every account on the network; the index has nothing of the others).
   */
  private isKnown(did: string): boolean {
    return this.pendingRevs.has(did) || this.lastRev(did) !== undefined
  }

  private advance(cursor: number, also?: () => void) {
    also?.()
    if (this.processedCursor === null || cursor > this.processedCursor) this.processedCursor = cursor
  }

  /** Per DID: only an event with a newer rev than the last one seen (enqueued or pending) goes on. */
  private isNewer(did: string, rev: string): boolean {
    const last = this.pendingRevs.get(did) ?? this.lastRev(did)
    return last === undefined || rev > last
  }

  private lastRev(did: string): string | undefined {
    const cached = this.revCache.get(did)
    if (cached !== undefined) return cached
    const row = this.ctx.storage.sql.exec<{ rev: string }>("SELECT rev FROM repo_revs WHERE did = ?", did).toArray()[0]
    if (row !== undefined) {
      if (this.revCache.size > 50_000) this.revCache.clear()
      this.revCache.set(did, row.rev)
    }
    return row?.rev
  }

  /**
   * Enqueues the pending events, then makes the cursor and the revs durable together. With nothing pending the
   * cursor is still saved, at most every CURSOR_PERSIST_MS unless `force`. Fails when the queue refuses.
   */
  private async flush(force: boolean): Promise<void> {
    const tasks = this.pending
    const revs = this.pendingRevs
    const cursor = this.processedCursor
    if (tasks.length > 0) {
      await this.run(Effect.flatMap(IndexTaskQueue, (queue) => queue.send(tasks)))
      this.counters.enqueued += tasks.length
      await this.run(Effect.flatMap(IngestMetrics, (m) => m.count({ name: "events.enqueued", source: this.source!.id, value: tasks.length })))
      this.pending = []
      this.pendingRevs = new Map()
    } else if (revs.size === 0 && (cursor === this.persistedCursor && !this.cursorWasReset)) {
      return
    } else if (!force && Date.now() - this.lastPersistAt < CURSOR_PERSIST_MS) {
      return
    }
    this.ctx.storage.transactionSync(() => {
      for (const [did, rev] of revs) {
        this.ctx.storage.sql.exec(
          "INSERT INTO repo_revs (did, rev) VALUES (?, ?) ON CONFLICT (did) DO UPDATE SET rev = excluded.rev WHERE excluded.rev > repo_revs.rev",
          did,
          rev
        )
      }
      this.writeCursor(cursor)
      this.writeState("counters", JSON.stringify(this.counters))
    })
    if (tasks.length === 0) this.pendingRevs = new Map()
    for (const [did, rev] of revs) this.revCache.set(did, rev)
    this.persistedCursor = cursor
    this.lastPersistAt = Date.now()
    await this.mirrorCursorToD1(force)
  }

  /** D1 keeps a copy of every source's cursor (ops, drift tooling); DO storage stays the one that resumes. */
  private async mirrorCursorToD1(force: boolean) {
    const cursor = this.persistedCursor
    if (cursor === null || (!force && Date.now() - this.lastD1CursorAt < CURSOR_D1_MS)) return
    const reset = this.cursorWasReset
    this.lastD1CursorAt = Date.now()
    this.cursorWasReset = false
    await this.run(
      Effect.flatMap(FirehoseCursorsRepo, (repo) => (reset ? repo.reset(this.source!.id, cursor) : repo.set(this.source!.id, cursor))).pipe(
        Effect.catchAll((error) => Effect.logWarning("firehose: D1 cursor copy failed", error))
      )
    )
  }

  // ---------------------------------------------------------------------------------------------------------
  // State

  private readState() {
    const rows = this.ctx.storage.sql.exec<{ key: string; value: string }>("SELECT key, value FROM ingest_state").toArray()
    const get = (key: string) => rows.find((r) => r.key === key)?.value
    const cursor = get("cursor")
    return {
      source: get("source") === undefined ? null : (JSON.parse(get("source")!) as IngestSource),
      stopped: get("stopped") !== "false",
      cursor: cursor === undefined || cursor === "" ? null : Number(cursor),
      counters: get("counters") === undefined ? {} : (JSON.parse(get("counters")!) as Partial<IngestCounters>)
    }
  }

  private writeState(key: string, value: string) {
    this.ctx.storage.sql.exec(
      "INSERT INTO ingest_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value
    )
  }

  private writeCursor(cursor: number | null) {
    this.writeState("cursor", cursor === null ? "" : String(cursor))
  }

  private bump(counter: keyof IngestCounters, did?: string) {
    this.counters[counter]++
    const source = this.source?.id ?? "unknown"
    void this.run(Effect.flatMap(IngestMetrics, (m) => m.count({ name: `firehose.${counter}`, source, value: 1, did })))
  }

  private log(level: "info" | "warn" | "error", message: string, fields: Record<string, unknown>) {
    const line = JSON.stringify({ message, source: this.source?.id, ...fields })
    if (level === "error") console.error(line)
    else if (level === "warn") console.warn(line)
    else console.log(line)
  }

  private run<A, E>(effect: Effect.Effect<A, E, FirehoseServices>): Promise<A> {
    this.runtime ??= ManagedRuntime.make(firehoseLayer(this.env))
    return this.runtime.runPromise(effect)
  }
}
