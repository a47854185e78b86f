import type { IndexTask } from "./events"

/** Queues: ≤ 100 messages per sendBatch; we also keep every batch ≤ 128 KB of JSON (a message is at most that). */
export const MAX_BATCH_MESSAGES = 100
export const MAX_BATCH_BYTES = 128 * 1024

/** Bytes a task takes on the queue (contentType "json"). */
export const taskBytes = (task: IndexTask): number => new TextEncoder().encode(JSON.stringify(task)).length

/** Splits tasks, in order, into batches within both limits. A single task over the byte limit is its own batch. */
export const intoBatches = (tasks: ReadonlyArray<IndexTask>): ReadonlyArray<ReadonlyArray<IndexTask>> => {
  const batches: Array<Array<IndexTask>> = []
  let current: Array<IndexTask> = []
  let bytes = 0
  for (const task of tasks) {
    const size = taskBytes(task)
    if (current.length > 0 && (current.length >= MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current)
      current = []
      bytes = 0
    }
    current.push(task)
    bytes += size
  }
  if (current.length > 0) batches.push(current)
  return batches
}
