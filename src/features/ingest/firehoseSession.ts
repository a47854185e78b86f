import { Clock, Effect, Either, Schema } from "effect"
import { type Backoff, backoffDelay, withJitter } from "../../domain/backoff"
import { type IngestCounters, zeroCounters } from "../../domain/ingest/ingestCounters"
import { MAX_BATCH_MESSAGES } from "../../domain/ingest/indexTaskBatches"
import { fetchableUrl, IngestSource, subscribeUrl } from "../../domain/ingest/sources"
import { IngestCursorStore } from "../../services/IngestCursorStore"
import { type FrameServices, ingestFrame } from "./frameIngest"
import { retryParkedCommits } from "./parkedCommits"
import { abandonBatch, CURSOR_PERSIST_MS, flushBatch, type FlushServices } from "./ingestFlush"
import { bump, countersOf, type Frame, initialState, type IngestState, resetCursor, sourceId } from "./ingestState"

export interface FirehoseStatus {
  readonly source: IngestSource | null
  readonly running: boolean
  readonly connected: boolean
  /** Where a reconnect resumes: persisted only after everything before it was enqueued. */
  readonly cursor: number | null
  readonly counters: IngestCounters
}

export type IngestServices = FrameServices | FlushServices

/** Runs a step of the session with the object's services. */
export type IngestRunner = <A, E>(effect: Effect.Effect<A, E, IngestServices>) => Promise<A>

/** The object's alarm: the keep-alive that reopens a lost socket. */
export interface KeepAlive {
  readonly set: (at: number) => Promise<void>
  readonly clear: () => Promise<void>
}

/** Keep-alive: the alarm checks the socket this often (the firehose worker's cron is the backstop). */
export const ALARM_INTERVAL_MS = 30_000
const RECONNECT: Backoff = { base: 500, cap: 60_000 }
/** Frames waiting to be decoded; past this the consumer is too slow: drop the socket, resume from the cursor. */
const MAX_INBOX = 10_000
/** A batch is never held back longer than this while frames keep arriving. */
const MAX_PENDING_AGE_MS = 250

const decodeSource = Schema.decodeUnknownEither(IngestSource)

/** The upstream did not open a WebSocket. */
class SocketRefused extends Schema.TaggedError<SocketRefused>()("SocketRefused", { url: Schema.String, message: Schema.String }) {}

/** Opens and accepts the outbound WebSocket (Workers: fetch with `Upgrade: websocket` over http(s)). */
const connect = (url: string): Effect.Effect<WebSocket, SocketRefused> =>
  Effect.tryPromise({
    try: () => fetch(fetchableUrl(url), { headers: { Upgrade: "websocket" } }),
    catch: (cause) => new SocketRefused({ url, message: String(cause) })
  }).pipe(
    Effect.flatMap((response) =>
      response.webSocket === null
        ? Effect.fail(new SocketRefused({ url, message: `answered ${response.status} without a WebSocket` }))
        : Effect.succeed(response.webSocket)
    ),
    Effect.tap((socket) => Effect.sync(() => socket.accept()))
  )

/**
 * One ingest source's subscription (the program behind FirehoseDO): keeps the outbound WebSocket to a relay/PDS
 * firehose or Jetstream open, takes its frames one at a time (connect → decode → verify → admit, frameIngest.ts)
 * and sends them to `index-tasks` in batches, after which the cursor and the per-DID revs move (ingestFlush.ts),
 * so a restart resumes with nothing lost; a replay is dropped by the per-DID rev check and, past it, by the
 * indexer's rev guard, so nothing is applied twice.
 */
export class FirehoseSession {
  private draining: Promise<void> | null = null

  private constructor(private readonly run: IngestRunner, private readonly keepAlive: KeepAlive, private readonly state: IngestState) {}

  /** The session as stored; a stored source that does not decode is logged and forgotten with its cursor. */
  static async open(run: IngestRunner, keepAlive: KeepAlive): Promise<FirehoseSession> {
    const stored = await run(
      Effect.flatMap(IngestCursorStore, (store) => store.load).pipe(
        Effect.catchTag("StoredSourceInvalid", (error) =>
          Effect.logError("firehose: stored source unreadable; waiting for ensureRunning", error.message).pipe(
            Effect.as({ source: null, running: false, cursor: null, counters: zeroCounters() })
          ))
      )
    )
    return new FirehoseSession(run, keepAlive, initialState(stored))
  }

  /** Starts (or keeps) the subscription for `source`; idempotent. A source that does not decode is refused. */
  async ensureRunning(input: unknown): Promise<FirehoseStatus> {
    const decoded = decodeSource(input)
    if (Either.isLeft(decoded)) throw new Error(`invalid ingest source: ${decoded.left.message}`)
    const source = decoded.right
    const previous = this.state.source
    if (previous !== null && (previous.url !== source.url || previous.kind !== source.kind)) {
      // a different upstream: its cursor means nothing here
      await this.exec(Effect.flatMap(IngestCursorStore, (store) => store.saveCursor(null)))
      this.state.cursor.persisted = this.state.cursor.processed = null
    }
    this.state.source = source
    this.state.running = true
    await this.exec(Effect.flatMap(IngestCursorStore, (store) => Effect.zipRight(store.saveSource(source), store.saveRunning(true))))
    await this.keepAlive.set(Date.now() + ALARM_INTERVAL_MS)
    if (this.idle()) await this.openSocket()
    return this.status()
  }

  /** Closes the socket and stays closed until `ensureRunning`; the batch is enqueued and the cursor saved. */
  async stop(): Promise<FirehoseStatus> {
    this.state.running = false
    await this.exec(Effect.flatMap(IngestCursorStore, (store) => store.saveRunning(false)))
    await this.keepAlive.clear()
    this.clearReconnect()
    this.closeSocket(1000, "stopped")
    await this.drained()
    await this.exec(flushBatch(this.state, true)).catch(() => abandonBatch(this.state))
    this.state.inbox.clear()
    return this.status()
  }

  status(): FirehoseStatus {
    return {
      source: this.state.source,
      running: this.state.running,
      connected: this.state.connection.socket !== null,
      cursor: this.state.cursor.persisted,
      counters: countersOf(this.state)
    }
  }

  /** Operations: move the stored cursor (null: start from the live tail). Takes effect on the next connect. */
  async setCursor(cursor: number | null): Promise<void> {
    await this.exec(resetCursor(this.state, cursor))
  }

  /** The keep-alive: reopens a lost socket, or saves a cursor a quiet stream left behind. */
  async alarm(): Promise<void> {
    if (!this.state.running || this.state.source === null) return
    await this.keepAlive.set(Date.now() + ALARM_INTERVAL_MS)
    await this.retryParked()
    if (this.idle()) await this.openSocket()
    else if (this.draining === null) await this.exec(flushBatch(this.state, true)).catch((error) => this.restart(error))
  }

  /** Verifies the parked commits that are due (parkedCommits.ts); a failure leaves them parked for the next tick. */
  async retryParked(): Promise<void> {
    await this.exec(retryParkedCommits(this.state)).catch((error) =>
      this.exec(Effect.logWarning("firehose: parked commits not retried").pipe(Effect.annotateLogs({ error: String(error) })))
    )
  }

  // -------------------------------------------------------------------------------------------------------
  // Connection

  private exec<A, E>(effect: Effect.Effect<A, E, IngestServices>): Promise<A> {
    return this.run(effect.pipe(Effect.annotateLogs({ source: sourceId(this.state) })))
  }

  private idle(): boolean {
    const { socket, connecting, reconnect } = this.state.connection
    return socket === null && !connecting && reconnect === undefined
  }

  private async openSocket(): Promise<void> {
    const { state } = this
    const source = state.source
    if (source === null || !state.running || state.connection.socket !== null || state.connection.connecting) return
    state.connection.connecting = true
    try {
      await this.drained()
      const url = subscribeUrl(source, state.cursor.persisted)
      const socket = await this.exec(connect(url))
      const generation = ++state.connection.generation
      socket.addEventListener("message", (event) => {
        if (generation === state.connection.generation) this.onFrame(event.data as Frame)
      })
      socket.addEventListener("close", (event) => {
        if (generation === state.connection.generation) this.onDisconnected(`closed (${event.code} ${event.reason})`)
      })
      socket.addEventListener("error", () => {
        if (generation === state.connection.generation) this.onDisconnected("socket error")
      })
      state.connection.socket = socket
      await this.exec(Effect.zipRight(bump(state, "connects"), Effect.logInfo("firehose connected").pipe(Effect.annotateLogs({ url }))))
    } catch (error) {
      void this.exec(Effect.logWarning("firehose connect failed").pipe(Effect.annotateLogs({ error: String(error) })))
      this.scheduleReconnect()
    } finally {
      state.connection.connecting = false
    }
  }

  private onDisconnected(reason: string) {
    this.state.connection.socket = null
    void this.exec(Effect.zipRight(bump(this.state, "disconnects"), Effect.logWarning("firehose disconnected").pipe(Effect.annotateLogs({ reason }))))
    this.scheduleReconnect()
  }

  private closeSocket(code: number, reason: string) {
    this.state.connection.generation++
    const socket = this.state.connection.socket
    this.state.connection.socket = null
    try {
      socket?.close(code, reason)
    } catch {
      // already closed
    }
  }

  private scheduleReconnect() {
    const { connection } = this.state
    if (!this.state.running || connection.reconnect !== undefined) return
    const delay = withJitter(backoffDelay(RECONNECT, ++connection.failures), Math.random())
    connection.reconnect = setTimeout(() => {
      connection.reconnect = undefined
      void this.openSocket()
    }, delay)
  }

  private clearReconnect() {
    if (this.state.connection.reconnect !== undefined) clearTimeout(this.state.connection.reconnect)
    this.state.connection.reconnect = undefined
  }

  /** Something could not be enqueued or saved: drop what is only in memory and resume from the saved cursor. */
  private restart(error: unknown) {
    void this.exec(Effect.zipRight(
      bump(this.state, "enqueueFailures"),
      Effect.logError("firehose enqueue failed; resuming from the stored cursor").pipe(Effect.annotateLogs({ error: String(error) }))
    ))
    this.closeSocket(1011, "enqueue failed")
    this.state.inbox.clear()
    abandonBatch(this.state)
    this.scheduleReconnect()
  }

  // -------------------------------------------------------------------------------------------------------
  // Frames, in arrival order, one at a time

  private onFrame(data: Frame) {
    this.state.inbox.push(data)
    this.state.connection.failures = 0
    if (this.state.inbox.size > MAX_INBOX) return this.restart(new Error(`more than ${MAX_INBOX} frames waiting`))
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
    const generation = this.state.connection.generation
    try {
      await this.exec(drainInbox(this.state, generation))
      if (generation === this.state.connection.generation) this.persistCursorSoon()
    } catch (error) {
      if (generation === this.state.connection.generation) this.restart(error)
    }
  }

  /** A cursor the throttle held back is saved a moment later, so a quiet stream does not leave it behind. */
  private persistCursorSoon() {
    const { cursor } = this.state
    if (cursor.timer !== undefined || cursor.processed === cursor.persisted) return
    cursor.timer = setTimeout(() => {
      cursor.timer = undefined
      if (this.draining === null && this.state.running) void this.exec(flushBatch(this.state, true)).catch((error) => this.restart(error))
    }, CURSOR_PERSIST_MS)
  }
}

/**
 * Takes every waiting frame, enqueueing whenever the batch is full or old enough, and once caught up sends what
 * is waiting rather than wait for a full batch. Frames that arrive meanwhile are taken too; a newer socket
 * (`generation` moved) ends it.
 */
const drainInbox = (state: IngestState, generation: number) =>
  Effect.gen(function*() {
    while (state.inbox.size > 0) {
      for (let frame = state.inbox.take(); frame !== undefined; frame = state.inbox.take()) {
        yield* ingestFrame(state, frame)
        if (generation !== state.connection.generation) return
        const now = yield* Clock.currentTimeMillis
        if (state.batch.tasks.length >= MAX_BATCH_MESSAGES || (state.batch.tasks.length > 0 && now - state.batch.since >= MAX_PENDING_AGE_MS)) {
          yield* flushBatch(state, false)
        }
      }
      yield* flushBatch(state, false)
    }
  })
