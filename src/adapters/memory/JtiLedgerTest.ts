import { Clock, Effect, HashMap, Layer, Option, Ref } from "effect"
import { defaultJtiPurgeLimit, JtiLedger, JtiReplayed } from "../../services/JtiLedger"

const claimKey = (iss: string, jti: string) => JSON.stringify([iss, jti])

/** In-memory `JtiLedger` with the semantics of `JtiLedgerLive`. A fresh, empty ledger per build. */
export const JtiLedgerTest: Layer.Layer<JtiLedger> = Layer.effect(
  JtiLedger,
  Effect.gen(function*() {
    const claims = yield* Ref.make(HashMap.empty<string, number>())
    return JtiLedger.of({
      claim: (iss, jti, expAtMs) =>
        Clock.currentTimeMillis.pipe(
          Effect.flatMap((now) =>
            Ref.modify(claims, (m) => {
              const live = Option.exists(HashMap.get(m, claimKey(iss, jti)), (expAt) => expAt > now)
              return [!live, live ? m : HashMap.set(m, claimKey(iss, jti), expAtMs)] as const
            })
          ),
          Effect.flatMap((claimed) => claimed ? Effect.void : Effect.fail(new JtiReplayed({ iss, jti })))
        ),
      purgeExpired: (now, limit = defaultJtiPurgeLimit) =>
        Ref.modify(claims, (m) => {
          const expired = Array.from(HashMap.filter(m, (expAt) => expAt <= now)).slice(0, limit)
          return [expired.length, expired.reduce((acc, [k]) => HashMap.remove(acc, k), m)] as const
        })
    })
  })
)
