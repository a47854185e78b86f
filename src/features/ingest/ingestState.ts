import { Effect } from "effect"
import type { IndexTask } from "../../domain/ingest/events"
import type { IngestCounter, IngestCounters } from "../../domain/ingest/ingestCounters"
import type { IngestSource } from "../../domain/ingest/sources"
import { IngestCursorStore, type StoredIngestState } from "../../services/IngestCursorStore"
import { IngestMetrics } from "../../services/IngestMetrics"

/** One message of the socket: CBOR frames (firehose) are binary, Jetstream's JSON is text. */
export type Frame = ArrayBuffer | string

/** Frames in arrival order, taken one at a time; the consumed head is dropped now and then. */
export class FrameInbox {
  private frames: Array<Frame | undefined> = []
  private head = 0

  get size(): number {
    return this.frames.length - this.head
  }

  push(frame: Frame): void {
    this.frames.push(frame)
  }

  take(): Frame | undefined {
    if (this.head >= this.frames.length) return undefined
    const frame = this.frames[this.head]
    this.frames[this.head++] = undefined
    if (this.head > 1_024 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head)
      this.head = 0
    }
    return frame
  }

  clear(): void {
    this.frames = []
    this.head = 0
  }
}

/** Everything a source's object holds in memory, by concern. */
export interface IngestState {
  source: IngestSource | null
  running: boolean
  readonly connection: {
    socket: WebSocket | null
    connecting: boolean
    /** Moves on every (re)connect and stop: work of an older socket is dropped. */
    generation: number
    /** Failed connects in a row (the reconnect backoff's attempt). */
    failures: number
    reconnect: ReturnType<typeof setTimeout> | undefined
  }
  readonly inbox: FrameInbox
  /**
   * Jetstream only: per DID, the operations (collection/rkey) already admitted at its newest rev. Jetstream sends
   * one message per operation, all carrying the commit's rev, so the dedupe is per (did, rev, collection, rkey).
   */
  readonly opsAtRev: Map<string, { readonly rev: string; readonly ops: Set<string> }>
  /** Events admitted since the last enqueue, and the per-DID revs that become durable with them. */
  readonly batch: {
    tasks: Array<IndexTask>
    since: number
    revs: Map<string, string>
  }
  readonly cursor: {
    /** Every frame up to here was handled (its events are enqueued or in the batch). */
    processed: number | null
    /** Where a reconnect resumes: saved only after everything before it was enqueued. */
    persisted: number | null
    persistedAt: number
    mirroredAt: number
    /** Set by an operator or a FutureCursor: the D1 copy is overwritten, not moved forward. */
    wasReset: boolean
    /** The source's time (epoch ms) of the newest event handled since the last flush: ingest lag. */
    eventAt: number | null
    /** When `ingest_lag` was last reported (at most once a second). */
    lagReportedAt: number
    /** A cursor held back by the throttle is saved a moment later. */
    timer: ReturnType<typeof setTimeout> | undefined
  }
  readonly counters: { -readonly [K in IngestCounter]: number }
}

export const initialState = (stored: StoredIngestState): IngestState => ({
  source: stored.source,
  running: stored.running,
  connection: { socket: null, connecting: false, generation: 0, failures: 0, reconnect: undefined },
  inbox: new FrameInbox(),
  opsAtRev: new Map(),
  batch: { tasks: [], since: 0, revs: new Map() },
  cursor: { processed: stored.cursor, persisted: stored.cursor, persistedAt: 0, mirroredAt: 0, wasReset: false, eventAt: null, lagReportedAt: 0, timer: undefined },
  counters: { ...stored.counters }
})

export const sourceId = (state: IngestState): string => state.source?.id ?? "unknown"

export const countersOf = (state: IngestState): IngestCounters => ({ ...state.counters })

/** Counts one occurrence, in the object's counters and in Analytics (`firehose.<counter>`). */
export const bump = (state: IngestState, counter: IngestCounter, did?: string) =>
  Effect.suspend(() => {
    state.counters[counter]++
    return Effect.flatMap(IngestMetrics, (metrics) => metrics.count({ name: `firehose.${counter}`, source: sourceId(state), value: 1, did }))
  })

/** The frame at `cursor` is handled. */
export const advance = (state: IngestState, cursor: number): void => {
  if (state.cursor.processed === null || cursor > state.cursor.processed) state.cursor.processed = cursor
}

/** Moves the stored cursor (null: the live tail) and everything in memory with it; the next connect resumes there. */
export const resetCursor = (state: IngestState, cursor: number | null) =>
  Effect.flatMap(IngestCursorStore, (store) => store.saveCursor(cursor)).pipe(
    Effect.tap(() =>
      Effect.sync(() => {
        state.cursor.persisted = state.cursor.processed = cursor
        state.cursor.wasReset = true
      })
    )
  )
