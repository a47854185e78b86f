import { Effect, Layer } from "effect"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { AccountSettings, type AccountSettingsView } from "../../services/AccountSettings"
import { SessionStoreUnavailable } from "../../services/WebSessions"

interface Row {
  readonly publish_meetings: number
  readonly reauthorize_since: number | null
  readonly reauthorize_reason: string | null
}

const d1 = <A>(what: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: () => new SessionStoreUnavailable({ message: `the settings store could not ${what}` }) })

const view = (row: Row | null): AccountSettingsView => ({
  publishMeetings: row?.publish_meetings === 1,
  reauthorizeRequired: row?.reauthorize_since != null,
  ...(row?.reauthorize_reason != null ? { reauthorizeReason: row.reauthorize_reason } : {})
})

/** AccountSettings in D1 (`account_settings`, migration 0012). A person without a row has the defaults: publishing off. */
export const AccountSettingsLive: Layer.Layer<AccountSettings, never, CloudflareEnv> = Layer.effect(
  AccountSettings,
  Effect.map(CloudflareEnv, ({ DB }) => {
    const read = (did: string) =>
      d1("read the settings", () =>
        DB.prepare("SELECT publish_meetings, reauthorize_since, reauthorize_reason FROM account_settings WHERE did = ?")
          .bind(did).first<Row>())
    return AccountSettings.of({
      get: (did) => Effect.map(read(did), view),
      setPublishMeetings: (did, on) =>
        d1("store the settings", () =>
          DB.prepare(
            `INSERT INTO account_settings (did, publish_meetings, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (did) DO UPDATE SET publish_meetings = excluded.publish_meetings, updated_at = excluded.updated_at`
          ).bind(did, on ? 1 : 0, Date.now()).run()).pipe(Effect.zipRight(Effect.map(read(did), view))),
      requireReauthorize: (did, reason) =>
        d1("store the settings", () =>
          DB.prepare(
            `INSERT INTO account_settings (did, reauthorize_since, reauthorize_reason, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (did) DO UPDATE SET reauthorize_since = COALESCE(account_settings.reauthorize_since, excluded.reauthorize_since),
               reauthorize_reason = excluded.reauthorize_reason, updated_at = excluded.updated_at`
          ).bind(did, Date.now(), reason.slice(0, 200), Date.now()).run()).pipe(Effect.asVoid),
      clearReauthorize: (did) =>
        d1("store the settings", () =>
          DB.prepare("UPDATE account_settings SET reauthorize_since = NULL, reauthorize_reason = NULL, updated_at = ? WHERE did = ?")
            .bind(Date.now(), did).run()).pipe(Effect.asVoid)
    })
  })
)
