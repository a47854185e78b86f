import type { BindingSpec } from "./health"

/** The bindings each worker declares in its wrangler config; /healthz probes exactly these. */
export const appviewBindings: BindingSpec = {
  DB: "d1",
  BLOBS: "r2",
  GRAPH_CACHE: "kv",
  FEATURES: "kv",
  SESSION_NONCES: "kv",
  ANALYTICS: "analytics",
  HOST_MATCH: "durable-object",
  BOOKING: "durable-object",
  USER_CONNECTOR: "durable-object",
  RATE_LIMITER: "durable-object",
  CALENDAR_TASKS: "queue",
  NOTIFY_TASKS: "queue"
}

export const firehoseBindings: BindingSpec = {
  DB: "d1",
  ANALYTICS: "analytics",
  FIREHOSE: "durable-object",
  INDEX_TASKS: "queue"
}

export const notifyBindings: BindingSpec = {
  DB: "d1",
  BLOBS: "r2",
  ANALYTICS: "analytics",
  EMAIL: "email",
  NOTIFY_DEAD_LETTERS: "queue"
}

export const webhooksBindings: BindingSpec = {
  DB: "d1",
  ANALYTICS: "analytics",
  USER_CONNECTOR: "durable-object",
  CALENDAR_TASKS: "queue"
}
