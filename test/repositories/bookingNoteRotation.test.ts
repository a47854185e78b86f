import { describe, expect, it } from "@effect/vitest"
import { Effect, Encoding, Layer } from "effect"
import { tokenVaultLayer } from "../../src/adapters/crypto/TokenVaultLive"
import { makeBookingNoteSealedValuesTest } from "../../src/adapters/memory/BookingNoteSealedValuesTest"
import { ConnectorsRepoTest } from "../../src/adapters/memory/ConnectorsRepoTest"
import { DeadLetterSealedValuesTest } from "../../src/adapters/memory/DeadLetterSealedValuesTest"
import { NotifySealedValuesTest } from "../../src/adapters/memory/NotifySealedValuesTest"
import { WebhookSubscriptionsRepoTest } from "../../src/adapters/memory/WebhookSubscriptionsRepoTest"
import { keysInUse, rotateVaultKeys, usesOfKey } from "../../src/features/connectors/vaultKeys"
import { bookingNoteBinding } from "../../src/services/BookingNotes"
import { type BookingNoteSealedValue, BookingNoteSealedValues } from "../../src/services/BookingNoteSealedValues"
import { TokenVault } from "../../src/services/TokenVault"

// The rotation job over guests' notes to hosts (issue 14): a note is re-wrapped under the current key and still opens
// for its guest and booking; the in-use check counts it, so its key cannot be removed before; a note whose key is
// retired can never be read again and is deleted (the booking itself is not touched).
const K0 = Encoding.encodeBase64(new Uint8Array(32).fill(0x20))
const K1 = Encoding.encodeBase64(new Uint8Array(32).fill(0x21))
const K2 = Encoding.encodeBase64(new Uint8Array(32).fill(0x22))
const ring = (current: string, keys: Record<string, string>) => tokenVaultLayer({ keys: JSON.stringify({ current, keys }), environment: "production" })
const GUEST = "did:plc:noteguestrotation0000001"

const noteUnder = (vault: Layer.Layer<TokenVault>, id: string, note: string) =>
  Effect.gen(function*() {
    const sealed = yield* (yield* TokenVault).encrypt(note, bookingNoteBinding(GUEST, id))
    return { id, guestDid: GUEST, keyId: sealed.keyId, ciphertext: sealed.ciphertext } satisfies BookingNoteSealedValue
  }).pipe(Effect.provide(vault))

describe("vault key rotation over booking notes (in memory)", () => {
  it.effect("re-wraps each note under the current key (it opens without the old key); counted per key before; a retired key's note is deleted", () =>
    Effect.gen(function*() {
      const a = yield* noteUnder(ring("k1", { k1: K1 }), "bk-a", "see you at the café")
      const lost = yield* noteUnder(ring("k0", { k0: K0 }), "bk-lost", "nobody can read this")
      const stores = Layer.mergeAll(ConnectorsRepoTest, WebhookSubscriptionsRepoTest, NotifySealedValuesTest, DeadLetterSealedValuesTest, makeBookingNoteSealedValuesTest([a, lost]))
      const rotating = ring("k2", { k1: K1, k2: K2 })
      yield* Effect.gen(function*() {
        const before = yield* keysInUse
        expect(before.keys.find((k) => k.keyId === "k1")).toMatchObject({ bookingNotes: { kept: 1 }, total: 1 })
        expect(usesOfKey(before, "k1")).toEqual(["1 booking note(s)"])
        expect(before.removable).not.toContain("k1")
        expect(before.missing).toEqual(["k0"])

        const report = yield* rotateVaultKeys()
        expect(report).toMatchObject({ rotated: { bookingNotes: 1 }, retired: { bookingNotes: ["bk-lost"] }, failed: { bookingNotes: [] } })

        const after = yield* keysInUse
        expect(after.removable).toEqual(["k1"])
        expect(after.missing).toEqual([])
        const left = yield* (yield* BookingNoteSealedValues).listSealedNotUnder("none", 10)
        expect(left.map((v) => [v.id, v.keyId])).toEqual([["bk-a", "k2"]])
        // opens with the new key alone, for its own guest and booking only
        const opened = yield* Effect.flatMap(TokenVault, (v) => v.decrypt(left[0]!.ciphertext, bookingNoteBinding(GUEST, "bk-a"))).pipe(Effect.provide(ring("k2", { k2: K2 })))
        expect(opened).toBe("see you at the café")
        const elsewhere = yield* Effect.flatMap(TokenVault, (v) => v.decrypt(left[0]!.ciphertext, bookingNoteBinding(GUEST, "bk-other"))).pipe(Effect.provide(ring("k2", { k2: K2 })), Effect.flip)
        expect(elsewhere._tag).toBe("VaultDecryptFailed")
      }).pipe(Effect.provide(Layer.merge(stores, rotating)))
    }))
})
