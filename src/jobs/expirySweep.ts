import { Clock, Effect } from "effect"
import { IdempotencyKeysRepo } from "../services/IdempotencyKeysRepo"
import { JtiLedger } from "../services/JtiLedger"

/** Rows one sweep removes per table at most; the next minute takes the rest. */
const SWEEP_LIMIT = 1_000

/**
 * The `expire-holds` cron (every minute): removes what has expired. Idempotency records past their
 * 24 h and service-auth `jti` claims past their token's `exp`; holds join this sweep with HostMatchDO.
 */
export const expirySweep = Effect.gen(function* () {
  const now = yield* Clock.currentTimeMillis
  const idempotency = yield* IdempotencyKeysRepo
  const jtis = yield* JtiLedger
  const [idempotencyKeys, jtiClaims] = yield* Effect.all([
    idempotency.purgeExpired(now, SWEEP_LIMIT),
    jtis.purgeExpired(now, SWEEP_LIMIT)
  ])
  yield* Effect.logInfo("expiry sweep", { idempotencyKeys, jtiClaims })
  return { idempotencyKeys, jtiClaims }
})
