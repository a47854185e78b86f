import { Effect, Layer, Option } from "effect"
import { type PushChannel, PushChannels, PushChannelStoreError } from "../../services/PushChannels"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

interface Row {
  readonly provider: "google" | "microsoft"
  readonly channel_id: string
  readonly connector_id: string
  readonly did: string
  readonly calendar_id: string
  readonly resource_id: string | null
  readonly expires_at: number
  readonly created_at: number
}

const fromRow = (row: Row): PushChannel => ({
  provider: row.provider,
  channelId: row.channel_id,
  connectorId: row.connector_id,
  did: row.did,
  calendarId: row.calendar_id,
  resourceId: row.resource_id ?? undefined,
  expiresAt: row.expires_at,
  createdAt: row.created_at
})

const COLUMNS = "provider, channel_id, connector_id, did, calendar_id, resource_id, expires_at, created_at"

/** PushChannels over D1 (`connector_push_channels`). Works in both the appview and the webhooks worker. */
export const makePushChannelsD1 = (db: D1Database): PushChannels["Type"] => {
  const run = <A>(f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: (cause) => new PushChannelStoreError({ cause }) })
  return PushChannels.of({
    find: (provider, channelId) =>
      run(() => db.prepare(`SELECT ${COLUMNS} FROM connector_push_channels WHERE provider = ?1 AND channel_id = ?2`).bind(provider, channelId).first<Row>())
        .pipe(Effect.map((row) => Option.map(Option.fromNullable(row), fromRow))),
    put: (c) =>
      run(() =>
        db.prepare(
          `INSERT INTO connector_push_channels (${COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
           ON CONFLICT (provider, channel_id) DO UPDATE SET connector_id = excluded.connector_id, did = excluded.did,
             calendar_id = excluded.calendar_id, resource_id = excluded.resource_id, expires_at = excluded.expires_at`
        ).bind(c.provider, c.channelId, c.connectorId, c.did, c.calendarId, c.resourceId ?? null, c.expiresAt, c.createdAt).run()
      ).pipe(Effect.asVoid),
    remove: (provider, channelId) =>
      run(() => db.prepare("DELETE FROM connector_push_channels WHERE provider = ?1 AND channel_id = ?2").bind(provider, channelId).run()).pipe(Effect.asVoid),
    expiringBefore: (at, limit) =>
      run(() =>
        db.prepare(`SELECT ${COLUMNS} FROM connector_push_channels WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2`).bind(at, limit).all<Row>()
      ).pipe(Effect.map((r) => r.results.map(fromRow))),
    forConnector: (connectorId) =>
      run(() => db.prepare(`SELECT ${COLUMNS} FROM connector_push_channels WHERE connector_id = ?1`).bind(connectorId).all<Row>())
        .pipe(Effect.map((r) => r.results.map(fromRow)))
  })
}

export const PushChannelsLive: Layer.Layer<PushChannels, never, CloudflareEnv> = Layer.effect(
  PushChannels,
  Effect.map(CloudflareEnv, (env) => makePushChannelsD1(env.DB))
)
