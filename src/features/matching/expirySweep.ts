import { Clock, Effect } from "effect"
import { IdempotencyKeysRepo } from "../../services/IdempotencyKeysRepo"
import { JtiLedger } from "../../services/JtiLedger"
import { sweepExpiredHolds } from "./holdSweep"

/** Rows one sweep removes per table at most; the next minute takes the rest. */
const SWEEP_LIMIT = 1_000

/**
 * The `expire-holds` cron (every minute): removes what has expired. Idempotency records past their
 * 24 h and service-auth `jti` claims past their token's `exp`; holds still `held` in D1 after their
 * expiry are handed to their HostMatchDO (the backstop for its alarm, see holdSweep.ts).
 */
export const expirySweep = Effect.gen(function* () {
  const now = yield* Clock.currentTimeMillis
  const idempotency = yield* IdempotencyKeysRepo
  const jtis = yield* JtiLedger
  const [idempotencyKeys, jtiClaims, expiredHolds] = yield* Effect.all([
    idempotency.purgeExpired(now, SWEEP_LIMIT),
    jtis.purgeExpired(now, SWEEP_LIMIT),
    sweepExpiredHolds(now, SWEEP_LIMIT)
  ])
  yield* Effect.logInfo("expiry sweep", { idempotencyKeys, jtiClaims, expiredHolds })
  return { idempotencyKeys, jtiClaims, expiredHolds }
})
