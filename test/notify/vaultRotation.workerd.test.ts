import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { env } from "cloudflare:test"
import { Effect, Encoding, Layer } from "effect"
import { tokenVaultLayer } from "../../src/adapters/crypto/TokenVaultLive"
import { ConnectorsRepoLive } from "../../src/adapters/d1/ConnectorsRepoLive"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { DeadLetterSealedValuesLive } from "../../src/adapters/d1/DeadLetterSealedValuesLive"
import { BookingNoteSealedValuesLive } from "../../src/adapters/d1/BookingNoteSealedValuesLive"
import { NotifySealedValuesLive } from "../../src/adapters/d1/NotifySealedValuesLive"
import { NotifySettingsLive } from "../../src/adapters/d1/NotifySettingsLive"
import { WebhookSubscriptionsRepoLive } from "../../src/adapters/d1/WebhookSubscriptionsRepoLive"
import { keysInUse, rotateVaultKeys, usesOfKey } from "../../src/features/connectors/vaultKeys"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { NotifySettings } from "../../src/services/NotifySettings"

// People's sealed e-mail addresses and preferences (notify_settings, issue 16) are vault values like connector
// credentials and webhook secrets (issue 12 item 10): the key ring's in-use check counts them, the rotation job
// re-wraps them, and a value whose key was removed is forgotten rather than left unreadable. Before this, a key
// that sealed only addresses was reported removable, and removing it silently lost every address under it.
const K1 = Encoding.encodeBase64(new Uint8Array(32).fill(0x41))
const K2 = Encoding.encodeBase64(new Uint8Array(32).fill(0x42))
const ring = (current: string, keys: Record<string, string>) => tokenVaultLayer({ keys: JSON.stringify({ current, keys }), environment: "production" })
const old = ring("k1", { k1: K1 })
const rotating = ring("k2", { k1: K1, k2: K2 })
const onlyNew = ring("k2", { k2: K2 })

const d1 = D1Live.pipe(Layer.provide(CloudflareEnv.layer(env)))
const stores = Layer.mergeAll(ConnectorsRepoLive, WebhookSubscriptionsRepoLive, NotifySealedValuesLive, DeadLetterSealedValuesLive, BookingNoteSealedValuesLive).pipe(Layer.provide(d1))
const settingsUnder = (vault: typeof old) => NotifySettingsLive.pipe(Layer.provide(Layer.merge(d1, vault)))

const ALICE = "did:plc:notifyrotalice000000000"
const BOB = "did:plc:notifyrotbob00000000000"

/** Alice: an address and preferences; Bob: an address only — all sealed under k1. */
const seed = Effect.gen(function*() {
  const settings = yield* NotifySettings
  yield* settings.putEmail(ALICE, "alice@example.com")
  yield* settings.verifyEmail(ALICE, "alice@example.com")
  const { preferences } = yield* settings.get(ALICE)
  yield* settings.putPreferences(ALICE, { ...preferences, reminders: { ...preferences.reminders, enabled: false } })
  yield* settings.putEmail(BOB, "bob@example.com")
}).pipe(Effect.provide(settingsUnder(old)))

describe("vault keys over notification settings (D1)", () => {
  it.effect("the in-use check counts them, the rotation re-wraps them, and they open without the old key", () =>
    Effect.gen(function*() {
      yield* seed
      const before = yield* keysInUse.pipe(Effect.provide(rotating))
      expect(before.keys.find((k) => k.keyId === "k1")).toMatchObject({ notifySettings: { email: 2, preferences: 1 }, total: 3 })
      expect(before.removable).toEqual([])
      expect(usesOfKey(before, "k1")).toEqual(["2 notification e-mail address(es)", "1 notification preference set(s)"])

      const report = yield* rotateVaultKeys().pipe(Effect.provide(rotating))
      expect(report.rotated.notifySettings).toBe(3)
      expect(report.failed.notifySettings).toEqual([])

      const after = yield* keysInUse.pipe(Effect.provide(rotating))
      expect(after.removable).toEqual(["k1"])
      // without k1: everything still opens, and the address stays verified
      const alice = yield* Effect.flatMap(NotifySettings, (s) => s.get(ALICE)).pipe(Effect.provide(settingsUnder(onlyNew)))
      expect(alice.email).toEqual({ address: "alice@example.com", verifiedAt: expect.any(Number) })
      expect(alice.preferences.reminders.enabled).toBe(false)
      const bob = yield* Effect.flatMap(NotifySettings, (s) => s.get(BOB)).pipe(Effect.provide(settingsUnder(onlyNew)))
      expect(bob.email?.address).toBe("bob@example.com")
      // a second run has nothing to do
      expect((yield* rotateVaultKeys().pipe(Effect.provide(rotating))).rotated.notifySettings).toBe(0)
    }).pipe(Effect.provide(stores)))

  it.effect("a value whose key was removed is forgotten, and the check stops naming the key", () =>
    Effect.gen(function*() {
      yield* seed
      const check = yield* keysInUse.pipe(Effect.provide(onlyNew))
      expect(check.missing).toEqual(["k1"])
      const report = yield* rotateVaultKeys().pipe(Effect.provide(onlyNew))
      expect(report.retired.notifySettings).toEqual([`${ALICE}#email`, `${ALICE}#preferences`, `${BOB}#email`])
      const rows = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql`SELECT did, email_ciphertext, email_verified_at, preferences_ciphertext FROM notify_settings ORDER BY did`).pipe(Effect.provide(d1))
      expect(rows.map((r) => [r.emailCiphertext, r.emailVerifiedAt, r.preferencesCiphertext])).toEqual([[null, null, null], [null, null, null]])
      const alice = yield* Effect.flatMap(NotifySettings, (s) => s.get(ALICE)).pipe(Effect.provide(settingsUnder(onlyNew)))
      expect(alice.email).toBeUndefined()
      expect((yield* keysInUse.pipe(Effect.provide(onlyNew))).missing).toEqual([])
    }).pipe(Effect.provide(stores)))
})
