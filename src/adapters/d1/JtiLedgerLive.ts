import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer } from "effect"
import { defaultJtiPurgeLimit, JtiLedger, JtiReplayed } from "../../services/JtiLedger"
import { orRepositoryError } from "../../services/RepositoryError"

export const JtiLedgerLive: Layer.Layer<JtiLedger, never, SqlClient.SqlClient> = Layer.effect(
  JtiLedger,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return JtiLedger.of({
      // One statement: insert, or take over a claim that has expired; no row back means replayed.
      claim: (iss, jti, expAtMs) =>
        Clock.currentTimeMillis.pipe(
          Effect.flatMap((now) =>
            sql`INSERT INTO service_auth_jtis (iss, jti, exp_at) VALUES (${iss}, ${jti}, ${expAtMs})
                ON CONFLICT (iss, jti) DO UPDATE SET exp_at = excluded.exp_at
                WHERE service_auth_jtis.exp_at <= ${now}
                RETURNING 1 AS claimed`
          ),
          orRepositoryError("JtiLedger.claim"),
          Effect.flatMap((rows) => rows.length > 0 ? Effect.void : Effect.fail(new JtiReplayed({ iss, jti })))
        ),
      purgeExpired: (now, limit = defaultJtiPurgeLimit) =>
        sql`DELETE FROM service_auth_jtis WHERE rowid IN (
              SELECT rowid FROM service_auth_jtis WHERE exp_at <= ${now} LIMIT ${limit}
            ) RETURNING 1 AS purged`.pipe(
          Effect.map((rows) => rows.length),
          orRepositoryError("JtiLedger.purgeExpired")
        )
    })
  })
)
