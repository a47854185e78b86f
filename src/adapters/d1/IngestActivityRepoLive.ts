import { SqlClient } from "@effect/sql"
import { Effect, Layer, Ref, Schema } from "effect"
import { IngestActivityRepo } from "../../services/IngestActivityRepo"
import { orRepositoryError } from "../../services/RepositoryError"

const decodeDids = Schema.decodeUnknown(Schema.Array(Schema.Struct({ did: Schema.String })))

export const IngestActivityRepoLive: Layer.Layer<IngestActivityRepo, never, SqlClient.SqlClient> = Layer.effect(
  IngestActivityRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return IngestActivityRepo.of({
      touch: (did, at) =>
        sql`INSERT INTO ingest_activity (did, last_event_at) VALUES (${did}, ${at})
            ON CONFLICT (did) DO UPDATE SET last_event_at = excluded.last_event_at
            WHERE excluded.last_event_at > ingest_activity.last_event_at`.pipe(
          Effect.asVoid,
          orRepositoryError("IngestActivityRepo.touch")
        ),
      claimAccountEvent: (did, time, retry) =>
        sql`INSERT INTO ingest_activity (did, last_event_at, account_event_at) VALUES (${did}, ${time}, ${time})
            ON CONFLICT (did) DO UPDATE SET account_event_at = excluded.account_event_at
            WHERE ingest_activity.account_event_at IS NULL
               OR excluded.account_event_at > ingest_activity.account_event_at
               OR (${retry ? 1 : 0} = 1 AND excluded.account_event_at = ingest_activity.account_event_at)
            RETURNING did`.pipe(
          Effect.map((rows) => rows.length > 0),
          orRepositoryError("IngestActivityRepo.claimAccountEvent")
        ),
      listActiveSince: (since, limit) =>
        sql`SELECT did FROM ingest_activity WHERE last_event_at >= ${since}
            ORDER BY coalesce(drift_checked_at, 0), did LIMIT ${limit}`.pipe(
          Effect.flatMap(decodeDids),
          Effect.map((rows) => rows.map((r) => r.did)),
          orRepositoryError("IngestActivityRepo.listActiveSince")
        ),
      markDriftChecked: (did, at) =>
        sql`UPDATE ingest_activity SET drift_checked_at = ${at} WHERE did = ${did}`.pipe(
          Effect.asVoid,
          orRepositoryError("IngestActivityRepo.markDriftChecked")
        )
    })
  })
)

interface Activity {
  readonly lastEventAt: number
  readonly accountEventAt: number | null
  readonly driftCheckedAt: number | null
}

/** In memory, same promises. */
export const IngestActivityRepoTest: Layer.Layer<IngestActivityRepo> = Layer.effect(
  IngestActivityRepo,
  Effect.map(Ref.make(new Map<string, Activity>()), (state) => {
    const update = (did: string, f: (a: Activity | undefined) => Activity | undefined) =>
      Ref.modify(state, (m) => {
        const next = f(m.get(did))
        if (next === undefined) return [false, m] as const
        return [true, new Map(m).set(did, next)] as const
      })
    return IngestActivityRepo.of({
      touch: (did, at) =>
        Effect.asVoid(update(did, (a) =>
          a === undefined ? { lastEventAt: at, accountEventAt: null, driftCheckedAt: null } : at > a.lastEventAt ? { ...a, lastEventAt: at } : undefined
        )),
      claimAccountEvent: (did, time, retry) =>
        update(did, (a) =>
          a === undefined
            ? { lastEventAt: time, accountEventAt: time, driftCheckedAt: null }
            : a.accountEventAt === null || time > a.accountEventAt || (retry && time === a.accountEventAt)
            ? { ...a, accountEventAt: time }
            : undefined
        ),
      listActiveSince: (since, limit) =>
        Effect.map(Ref.get(state), (m) =>
          [...m.entries()]
            .filter(([, a]) => a.lastEventAt >= since)
            .sort(([d1, a], [d2, b]) => (a.driftCheckedAt ?? 0) - (b.driftCheckedAt ?? 0) || (d1 < d2 ? -1 : 1))
            .slice(0, limit)
            .map(([did]) => did)
        ),
      markDriftChecked: (did, at) => Effect.asVoid(update(did, (a) => (a === undefined ? undefined : { ...a, driftCheckedAt: at })))
    })
  })
)
