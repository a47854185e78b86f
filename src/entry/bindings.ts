import { analytics, type BindingProbes, d1, durableObject, email, kv, queue, r2 } from "./health"

/** The bindings each worker declares in its wrangler config; /healthz probes exactly these. */
export const appviewBindings: BindingProbes = (env) => ({
  DB: d1(env.DB),
  BLOBS: r2(env.BLOBS),
  GRAPH_CACHE: kv(env.GRAPH_CACHE),
  FEATURES: kv(env.FEATURES),
  SESSION_NONCES: kv(env.SESSION_NONCES),
  ANALYTICS: analytics(env.ANALYTICS),
  HOST_MATCH: durableObject(env.HOST_MATCH),
  BOOKING: durableObject(env.BOOKING),
  USER_CONNECTOR: durableObject(env.USER_CONNECTOR),
  RATE_LIMITER: durableObject(env.RATE_LIMITER),
  // a SessionDO named "healthz" (no DID is named so): constructing it creates its empty tables, nothing else
  SESSION: durableObject(env.SESSION),
  CALENDAR_TASKS: queue(env.CALENDAR_TASKS),
  NOTIFY_TASKS: queue(env.NOTIFY_TASKS),
  INDEX_TASKS: queue(env.INDEX_TASKS)
})

export const firehoseBindings: BindingProbes = (env) => ({
  DB: d1(env.DB),
  ANALYTICS: analytics(env.ANALYTICS),
  FIREHOSE: durableObject(env.FIREHOSE),
  INDEX_TASKS: queue(env.INDEX_TASKS)
})

export const notifyBindings: BindingProbes = (env) => ({
  DB: d1(env.DB),
  BLOBS: r2(env.BLOBS),
  ANALYTICS: analytics(env.ANALYTICS),
  EMAIL: email(env.EMAIL),
  NOTIFY_DEAD_LETTERS: queue(env.NOTIFY_DEAD_LETTERS)
})

export const webhooksBindings: BindingProbes = (env) => ({
  DB: d1(env.DB),
  ANALYTICS: analytics(env.ANALYTICS),
  USER_CONNECTOR: durableObject(env.USER_CONNECTOR),
  CALENDAR_TASKS: queue(env.CALENDAR_TASKS)
})
