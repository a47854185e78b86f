import { describe, expect, it } from "@effect/vitest"
import { Effect, Encoding, Layer } from "effect"
import { tokenVaultLayer } from "../../src/adapters/crypto/TokenVaultLive"
import { ConnectorsRepoTest } from "../../src/adapters/memory/ConnectorsRepoTest"
import { BookingNoteSealedValuesTest } from "../../src/adapters/memory/BookingNoteSealedValuesTest"
import { makeDeadLetterSealedValuesTest } from "../../src/adapters/memory/DeadLetterSealedValuesTest"
import { NotifySealedValuesTest } from "../../src/adapters/memory/NotifySealedValuesTest"
import { WebhookSubscriptionsRepoTest } from "../../src/adapters/memory/WebhookSubscriptionsRepoTest"
import { keysInUse, rotateVaultKeys } from "../../src/features/connectors/vaultKeys"
import { deadLetterBinding, type DeadLetterSealedValue, DeadLetterSealedValues } from "../../src/services/DeadLetterSealedValues"
import { TokenVault } from "../../src/services/TokenVault"

// The rotation job over dead letters (issue 17): body and error re-wrapped together under the current key and still
// opening for their record; a record replayed or dropped meanwhile is not written back; one whose key is retired is
// left and reported, not deleted. Through the workerd AppView: test/admin/deadLetterRotation.workerd.test.ts.
const K1 = Encoding.encodeBase64(new Uint8Array(32).fill(0x11))
const K2 = Encoding.encodeBase64(new Uint8Array(32).fill(0x12))
const K0 = Encoding.encodeBase64(new Uint8Array(32).fill(0x10))
const ring = (current: string, keys: Record<string, string>) => tokenVaultLayer({ keys: JSON.stringify({ current, keys }), environment: "production" })

const sealedUnder = (vault: Layer.Layer<TokenVault>, id: string, error: string | null) =>
  Effect.gen(function*() {
    const v = yield* TokenVault
    const body = yield* v.encrypt(JSON.stringify({ kind: "match", id }), deadLetterBinding(id, "body"))
    const sealedError = error === null ? null : yield* v.encrypt(error, deadLetterBinding(id, "error"))
    return { id, keyId: body.keyId, bodyCiphertext: body.ciphertext, errorCiphertext: sealedError?.ciphertext ?? null } satisfies DeadLetterSealedValue
  }).pipe(Effect.provide(vault))

const storesWith = (letters: ReadonlyArray<DeadLetterSealedValue>) =>
  Layer.mergeAll(ConnectorsRepoTest, WebhookSubscriptionsRepoTest, NotifySealedValuesTest, makeDeadLetterSealedValuesTest(letters), BookingNoteSealedValuesTest)

describe("vault key rotation over dead letters (in memory)", () => {
  it.effect("re-wraps body and error under the current key; they open without the old key; a retired key's record is left and reported", () =>
    Effect.gen(function*() {
      const a = yield* sealedUnder(ring("k1", { k1: K1 }), "dl-a", "timeout talking to the provider")
      const b = yield* sealedUnder(ring("k1", { k1: K1 }), "dl-b", null)
      const lost = yield* sealedUnder(ring("k0", { k0: K0 }), "dl-lost", null)
      const stores = storesWith([a, b, lost])
      const rotating = ring("k2", { k1: K1, k2: K2 })
      yield* Effect.gen(function*() {
        const before = yield* keysInUse
        expect(before.keys.find((k) => k.keyId === "k1")).toMatchObject({ deadLetters: { recorded: 2 }, total: 2 })
        expect(before.missing).toEqual(["k0"])
        const report = yield* rotateVaultKeys()
        expect(report).toMatchObject({ rotated: { deadLetters: 2 }, retired: { deadLetters: ["dl-lost"] }, failed: { deadLetters: [] } })
        const after = yield* keysInUse
        expect(after.removable).toEqual(["k1"])
        expect(after.keys.find((k) => k.keyId === "k0")).toMatchObject({ configured: false, deadLetters: { recorded: 1 } })
        const all = yield* (yield* DeadLetterSealedValues).listSealedNotUnder("none", 10)
        const rotatedA = all.find((v) => v.id === "dl-a")!
        expect(rotatedA.keyId).toBe("k2")
        const onlyK2 = yield* Effect.provide(TokenVault, ring("k2", { k2: K2 }))
        expect(JSON.parse(yield* onlyK2.decrypt(rotatedA.bodyCiphertext, deadLetterBinding("dl-a", "body")))).toEqual({ kind: "match", id: "dl-a" })
        expect(yield* onlyK2.decrypt(rotatedA.errorCiphertext!, deadLetterBinding("dl-a", "error"))).toBe("timeout talking to the provider")
        expect(all.find((v) => v.id === "dl-b")).toMatchObject({ keyId: "k2", errorCiphertext: null })
        expect(all.find((v) => v.id === "dl-lost")).toEqual(lost)
      }).pipe(Effect.provide(Layer.merge(stores, rotating)))
    }))

  it.effect("a record whose ciphertexts changed meanwhile is not overwritten (compare-and-set)", () =>
    Effect.gen(function*() {
      const a = yield* sealedUnder(ring("k1", { k1: K1 }), "dl-a", "first error")
      const stores = storesWith([a])
      yield* Effect.gen(function*() {
        const letters = yield* DeadLetterSealedValues
        const other = yield* sealedUnder(ring("k1", { k1: K1 }), "dl-a", "another error")
        // the job read `a`, then the record was re-recorded: replacing from `a` must not win
        expect(yield* letters.replaceSealed(other, { ciphertext: "v1.k2.x", keyId: "k2" }, null)).toBe(false)
        expect(yield* letters.replaceSealed(a, { ciphertext: "v1.k2.y", keyId: "k2" }, null)).toBe(true)
        expect(yield* letters.replaceSealed(a, { ciphertext: "v1.k2.z", keyId: "k2" }, null)).toBe(false)
      }).pipe(Effect.provide(stores))
    }))
})
