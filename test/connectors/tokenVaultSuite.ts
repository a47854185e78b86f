import { describe, expect, it } from "@effect/vitest"
import { Effect, Encoding, Either, Option } from "effect"
import type { Layer } from "effect"
import type { TokenVaultConfig } from "../../src/adapters/crypto/TokenVaultLive"
import { TokenVault } from "../../src/services/TokenVault"
import { type TokenBinding } from "../../src/domain/tokenVault/tokenBinding"

/**
 * One behavioural suite for TokenVault, run in Node (tokenVault.test.ts) and inside workerd through
 * TokenVaultLive over the worker's env (tokenVault.workerd.test.ts): WebCrypto differs between the two.
 */
export const tokenVaultSuite = (name: string, layerFor: (config: TokenVaultConfig) => Layer.Layer<TokenVault>) => {
  const K1 = Encoding.encodeBase64(new Uint8Array(32).fill(0x11))
  const K2 = Encoding.encodeBase64(new Uint8Array(32).fill(0x22))
  const ring = (current: string, keys: Record<string, string>) => JSON.stringify({ current, keys })
  const production = (keys: string | undefined): TokenVaultConfig => ({ keys, environment: "production" })
  const both = production(ring("k2", { k1: K1, k2: K2 }))

  const alice: TokenBinding = { did: "did:plc:alice", provider: "google", connectorId: "conn-1" }
  const TOKEN = "1//0refresh-token-of-alice-ünïcødé"

  const withVault = <A, E>(config: TokenVaultConfig, body: (vault: TokenVault["Type"]) => Effect.Effect<A, E>) =>
    Effect.flatMap(TokenVault, body).pipe(Effect.provide(layerFor(config)))

  /** Flips one bit of one decoded part of the envelope and re-encodes it, so the change is real bytes. */
  const tamper = (ciphertext: string, part: 2 | 3 | 4): string => {
    const parts = ciphertext.split(".")
    const bytes = Either.getOrThrow(Encoding.decodeBase64Url(parts[part]!))
    bytes[bytes.length - 1]! ^= 0x01
    parts[part] = Encoding.encodeBase64Url(bytes)
    return parts.join(".")
  }

  describe(`TokenVault (${name})`, () => {
    it.effect("round trip: the token comes back, the ciphertext names the current key and hides the token", () =>
      withVault(both, (vault) =>
        Effect.gen(function*() {
          const sealed = yield* vault.encrypt(TOKEN, alice)
          expect(sealed.keyId).toBe("k2")
          expect(sealed.ciphertext).toMatch(/^v1\.k2\.[A-Za-z0-9_-]{54}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/)
          expect(sealed.ciphertext).not.toContain("refresh-token")
          expect(yield* vault.decrypt(sealed.ciphertext, alice)).toBe(TOKEN)
          // A fresh data key and IV every time: equal tokens do not give equal ciphertexts.
          const again = yield* vault.encrypt(TOKEN, alice)
          expect(again.ciphertext).not.toBe(sealed.ciphertext)
          expect(yield* vault.decrypt("", alice).pipe(Effect.flip)).toMatchObject({ _tag: "VaultDecryptFailed" })
          expect(yield* vault.decrypt(yield* vault.encrypt("", alice).pipe(Effect.map((s) => s.ciphertext)), alice)).toBe("")
        })))

    it.effect("the binding is authenticated: another did, provider or connector cannot open it", () =>
      withVault(both, (vault) =>
        Effect.gen(function*() {
          const { ciphertext } = yield* vault.encrypt(TOKEN, alice)
          for (const other of [
            { ...alice, did: "did:plc:mallory" },
            { ...alice, provider: "microsoft" },
            { ...alice, connectorId: "conn-2" },
            // The AAD encoding is unambiguous: moving characters between fields changes it.
            { did: "did:plc:alicegoogle", provider: "", connectorId: "conn-1" }
          ]) {
            const error = yield* Effect.flip(vault.decrypt(ciphertext, other))
            expect(error._tag).toBe("VaultDecryptFailed")
            expect(error.message).not.toContain("mallory")
          }
          expect(yield* vault.decrypt(ciphertext, alice)).toBe(TOKEN)
        })))

    it.effect("rotation: old keys still decrypt, new writes use the current key, rotate re-wraps", () =>
      Effect.gen(function*() {
        const old = yield* withVault(production(ring("k1", { k1: K1 })), (vault) => vault.encrypt(TOKEN, alice))
        expect(old.keyId).toBe("k1")
        expect(old.ciphertext.startsWith("v1.k1.")).toBe(true)

        const rotated = yield* withVault(both, (vault) =>
          Effect.gen(function*() {
            expect(yield* vault.currentKeyId).toBe("k2")
            expect(yield* vault.decrypt(old.ciphertext, alice)).toBe(TOKEN)
            expect(yield* vault.needsRotation(old.ciphertext)).toBe(true)
            const fresh = yield* vault.encrypt(TOKEN, alice)
            expect(fresh.keyId).toBe("k2")
            expect(yield* vault.needsRotation(fresh.ciphertext)).toBe(false)
            expect(yield* vault.rotate(fresh.ciphertext, alice)).toEqual(Option.none())
            // Rotation checks the binding before re-wrapping.
            expect((yield* Effect.flip(vault.rotate(old.ciphertext, { ...alice, did: "did:plc:mallory" })))._tag)
              .toBe("VaultDecryptFailed")
            const result = yield* vault.rotate(old.ciphertext, alice)
            expect(Option.isSome(result)).toBe(true)
            const next = Option.getOrThrow(result)
            expect(next.keyId).toBe("k2")
            expect(yield* vault.needsRotation(next.ciphertext)).toBe(false)
            return next
          }))

        // Once everything is rotated, k1 can leave the ring; a k1 ciphertext then names the missing key.
        yield* withVault(production(ring("k2", { k2: K2 })), (vault) =>
          Effect.gen(function*() {
            expect(yield* vault.decrypt(rotated.ciphertext, alice)).toBe(TOKEN)
            const missing = yield* Effect.flip(vault.decrypt(old.ciphertext, alice))
            expect(missing).toMatchObject({ _tag: "VaultKeyMissing", keyId: "k1" })
          }))
      }))

    it.effect("tampering with any part fails with VaultDecryptFailed", () =>
      withVault(both, (vault) =>
        Effect.gen(function*() {
          const { ciphertext } = yield* vault.encrypt(TOKEN, alice)
          const candidates = [
            tamper(ciphertext, 2), // wrapped data key
            tamper(ciphertext, 3), // iv
            tamper(ciphertext, 4), // ciphertext / tag
            ciphertext.replace(/^v1\.k2\./, "v1.k1."), // claims the other key
            ciphertext.replace(/^v1\./, "v2."),
            ciphertext.split(".").slice(0, 4).join("."),
            `${ciphertext}.extra`,
            TOKEN
          ]
          for (const candidate of candidates) {
            const error = yield* Effect.flip(vault.decrypt(candidate, alice))
            expect(error._tag, candidate).toBe("VaultDecryptFailed")
          }
          expect((yield* Effect.flip(vault.needsRotation("garbage")))._tag).toBe("VaultDecryptFailed")
        })))

    it.effect("outside development a missing secret is VaultKeyMissing, for every operation", () =>
      Effect.gen(function*() {
        const sealed = yield* withVault(both, (vault) => vault.encrypt(TOKEN, alice))
        for (const environment of ["production", "staging"]) {
          yield* withVault({ keys: undefined, environment }, (vault) =>
            Effect.gen(function*() {
              expect(yield* Effect.flip(vault.encrypt(TOKEN, alice))).toMatchObject({ _tag: "VaultKeyMissing" })
              expect(yield* Effect.flip(vault.decrypt(sealed.ciphertext, alice))).toMatchObject({ _tag: "VaultKeyMissing" })
              expect(yield* Effect.flip(vault.currentKeyId)).toMatchObject({ _tag: "VaultKeyMissing" })
            }))
        }
        yield* withVault(production(""), (vault) =>
          Effect.flip(vault.encrypt(TOKEN, alice)).pipe(Effect.map((e) => expect(e._tag).toBe("VaultKeyMissing"))))
      }))

    it.effect("development without the secret uses the clearly named development key, and only there", () =>
      Effect.gen(function*() {
        const dev = yield* withVault({ keys: undefined, environment: "development" }, (vault) =>
          Effect.gen(function*() {
            const sealed = yield* vault.encrypt(TOKEN, alice)
            expect(sealed.keyId).toBe("development-insecure")
            expect(yield* vault.decrypt(sealed.ciphertext, alice)).toBe(TOKEN)
            return sealed
          }))
        // Deterministic: another isolate in development opens it; with a real ring it rotates away.
        yield* withVault({ keys: ring("k2", { k2: K2 }), environment: "development" }, (vault) =>
          Effect.gen(function*() {
            expect(yield* vault.decrypt(dev.ciphertext, alice)).toBe(TOKEN)
            expect(yield* vault.needsRotation(dev.ciphertext)).toBe(true)
          }))
        // Production never knows the development key.
        expect(yield* withVault(both, (vault) => Effect.flip(vault.decrypt(dev.ciphertext, alice))))
          .toMatchObject({ _tag: "VaultKeyMissing", keyId: "development-insecure" })
      }))

    it.effect("a malformed secret is VaultConfigInvalid and the error never echoes key material", () =>
      Effect.gen(function*() {
        const secretish = "c2VjcmV0LWtleS1tYXRlcmlhbA"
        for (const keys of [
          `{"current":"k1","keys":{"k1":"${secretish}"`,
          ring("k1", { k1: secretish }), // 19 bytes, not 32
          ring("k1", { k1: "not base64 !!" }),
          ring("k9", { k1: K1 }),
          ring("k.1", { "k.1": K1 }),
          JSON.stringify({ current: "k1", keys: { k1: [1, 2, 3] } })
        ]) {
          const error = yield* withVault(production(keys), (vault) => Effect.flip(vault.encrypt(TOKEN, alice)))
          expect(error._tag, keys).toBe("VaultConfigInvalid")
          expect(error.message).not.toContain(secretish)
          expect(error.message).not.toContain(K1)
        }
      }))
  })
}
