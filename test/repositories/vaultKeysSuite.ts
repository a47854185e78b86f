import { describe, expect, it } from "@effect/vitest"
import { Effect, Encoding, Layer, Option } from "effect"
import { tokenVaultLayer } from "../../src/adapters/crypto/TokenVaultLive"
import { makeCredentials } from "../../src/features/connectors/engine/credentials"
import { keysInUse, rotateVaultKeys, usesOfKey } from "../../src/features/connectors/vaultKeys"
import { handleVaultKeys } from "../../src/features/connectors/vaultKeysRoute"
import { ConnectorsRepo, type ConnectorStatus } from "../../src/services/ConnectorsRepo"
import type { DeadLetterSealedValues } from "../../src/services/DeadLetterSealedValues"
import type { BookingNoteSealedValues } from "../../src/services/BookingNoteSealedValues"
import type { NotifySealedValues } from "../../src/services/NotifySealedValues"
import { TokenVault } from "../../src/services/TokenVault"
import { webhookSecretBinding } from "../../src/services/WebhookSubscriptions"
import { WebhookSubscriptionsRepo } from "../../src/services/WebhookSubscriptionsRepo"

/**
 * Vault key rotation over every sealed value (issue 12 item 10), run against the D1 repositories inside workerd
 * (vaultKeys.workerd.test.ts) and the in-memory ones in Node (vaultKeys.test.ts): connector credentials of every
 * status and webhook signing secrets move to the current key, the keys-in-use check says what an old key still
 * seals until nothing does, and a value whose key was removed gets a clear "key retired" state.
 */
export const vaultKeysSuite = (name: string, stores: Layer.Layer<ConnectorsRepo | WebhookSubscriptionsRepo | NotifySealedValues | DeadLetterSealedValues | BookingNoteSealedValues>) => {
  const K1 = Encoding.encodeBase64(new Uint8Array(32).fill(0x31))
  const K2 = Encoding.encodeBase64(new Uint8Array(32).fill(0x32))
  const ring = (current: string, keys: Record<string, string>) =>
    tokenVaultLayer({ keys: JSON.stringify({ current, keys }), environment: "production" })
  /** Before the rotation: only k1. */
  const old = ring("k1", { k1: K1 })
  /** The operator added k2 and made it current; k1 still opens what it sealed. */
  const rotating = ring("k2", { k1: K1, k2: K2 })
  /** k1 removed. */
  const onlyNew = ring("k2", { k2: K2 })

  const ALICE = "did:plc:alice000000000000000000"
  const STATUSES: ReadonlyArray<ConnectorStatus> = ["active", "pending", "broken"]
  const SECRET = (id: string) => `whsec_secret-of-${id}`
  const TOKEN = (id: string) => `refresh-token-of-${id}`

  /** Three connectors (active, pending, broken) and two webhook subscriptions (one disabled), all sealed under k1. */
  const seed = Effect.gen(function*() {
    const vault = yield* TokenVault
    const connectors = yield* ConnectorsRepo
    const webhooks = yield* WebhookSubscriptionsRepo
    for (const [i, status] of STATUSES.entries()) {
      const id = `conn-${i}-${status}`
      const sealed = yield* vault.encrypt(TOKEN(id), { did: ALICE, provider: "google", connectorId: id })
      yield* connectors.create({ id, did: ALICE, provider: "google", status, accountRef: null, sealed, tokenExpiresAt: null, calendars: [] })
    }
    for (const id of ["wh_a", "wh_b"]) {
      const sealed = yield* vault.encrypt(SECRET(id), webhookSecretBinding({ did: ALICE, id }))
      yield* webhooks.create({ id, did: ALICE, url: `https://hooks.example.com/${id}`, secretCiphertext: sealed.ciphertext, keyId: sealed.keyId })
    }
    yield* webhooks.disable("wh_b", "the endpoint answered 410 Gone")
  }).pipe(Effect.provide(old))

  const allConnectors = Effect.flatMap(ConnectorsRepo, (repo) => repo.listForDid(ALICE))
  const allSubscriptions = Effect.flatMap(WebhookSubscriptionsRepo, (repo) => repo.listForDid(ALICE))

  const test = <A, E>(title: string, body: () => Effect.Effect<A, E, ConnectorsRepo | WebhookSubscriptionsRepo | NotifySealedValues | DeadLetterSealedValues | BookingNoteSealedValues>) =>
    it.effect(title, () => Effect.provide(Effect.suspend(body), stores))

  describe(`vault key rotation (${name})`, () => {
    test("after a new current key and the rotation job, every sealed value is under it and opens without the old key", () =>
      Effect.gen(function*() {
        yield* seed
        const before = yield* keysInUse.pipe(Effect.provide(rotating))
        expect(before.currentKeyId).toBe("k2")
        expect(before.keys.find((k) => k.keyId === "k1")).toMatchObject({
          configured: true,
          connectors: { active: 1, pending: 1, broken: 1 },
          webhookSecrets: { enabled: 1, disabled: 1 },
          total: 5
        })
        expect(before.removable).toEqual([])
        expect(usesOfKey(before, "k1")).toEqual([
          "1 active connector credential(s)",
          "1 broken connector credential(s)",
          "1 pending connector credential(s)",
          "1 disabled webhook signing secret(s)",
          "1 enabled webhook signing secret(s)"
        ])

        const report = yield* rotateVaultKeys().pipe(Effect.provide(rotating))
        expect(report).toMatchObject({ rotated: { connectors: 3, webhookSecrets: 2 }, failed: { connectors: [], webhookSecrets: [] }, more: false })

        for (const row of yield* allConnectors) {
          expect(row.keyId, row.id).toBe("k2")
          expect(row.tokenCiphertext!.startsWith("v1.k2."), row.id).toBe(true)
          expect(row.status, row.id).toBe(row.id.split("-")[2])
          const opened = yield* Effect.flatMap(TokenVault, (vault) =>
            vault.decrypt(row.tokenCiphertext!, { did: ALICE, provider: "google", connectorId: row.id })).pipe(Effect.provide(onlyNew))
          expect(opened).toBe(TOKEN(row.id))
        }
        for (const s of yield* allSubscriptions) {
          expect(s.keyId, s.id).toBe("k2")
          const opened = yield* Effect.flatMap(TokenVault, (vault) => vault.decrypt(s.secretCiphertext, webhookSecretBinding(s))).pipe(Effect.provide(onlyNew))
          expect(opened).toBe(SECRET(s.id))
        }

        const after = yield* keysInUse.pipe(Effect.provide(rotating))
        expect(usesOfKey(after, "k1")).toEqual([])
        expect(after.removable).toEqual(["k1"])
        expect(after.keys.find((k) => k.keyId === "k2")).toMatchObject({ current: true, total: 5 })
        // Idempotent: nothing left to do.
        expect(yield* rotateVaultKeys().pipe(Effect.provide(rotating))).toMatchObject({ rotated: { connectors: 0, webhookSecrets: 0 } })
      }))

    test("batched and resumable: a small limit per run reaches everything over several runs, and says when more is left", () =>
      Effect.gen(function*() {
        yield* seed
        const first = yield* rotateVaultKeys(2).pipe(Effect.provide(rotating))
        expect(first.rotated).toEqual({ connectors: 2, webhookSecrets: 2, notifySettings: 0, deadLetters: 0, bookingNotes: 0 })
        expect(first.more).toBe(true)
        expect(usesOfKey(yield* keysInUse.pipe(Effect.provide(rotating)), "k1")).toEqual(["1 broken connector credential(s)"])
        const second = yield* rotateVaultKeys(2).pipe(Effect.provide(rotating))
        expect(second).toMatchObject({ rotated: { connectors: 1, webhookSecrets: 0 }, more: false })
        expect((yield* keysInUse.pipe(Effect.provide(rotating))).removable).toEqual(["k1"])
      }))

    test("compare-and-set: a rotation never overwrites a credential sealed again meanwhile", () =>
      Effect.gen(function*() {
        yield* seed
        const repo = yield* ConnectorsRepo
        const [row] = yield* allConnectors
        const fresh = { ciphertext: `v1.k2.${"A".repeat(54)}.${"B".repeat(16)}.CCCCCCCCCCCCCCCCCCCCCC`, keyId: "k2" }
        expect(yield* repo.replaceSealed(row!.id, "v1.k1.stale", fresh)).toBe(false)
        expect(Option.getOrThrow(yield* repo.get(row!.id)).tokenCiphertext).toBe(row!.tokenCiphertext)
        expect(yield* repo.replaceSealed(row!.id, row!.tokenCiphertext!, fresh)).toBe(true)
        expect(Option.getOrThrow(yield* repo.get(row!.id))).toMatchObject({ tokenCiphertext: fresh.ciphertext, keyId: "k2" })
        const webhooks = yield* WebhookSubscriptionsRepo
        expect(yield* webhooks.replaceSealed("wh_a", "v1.k1.stale", fresh)).toBe(false)
        expect(Option.getOrThrow(yield* webhooks.get("wh_a")).keyId).toBe("k1")
      }))

    test("a value whose key was removed gets a clear state: connector broken and webhook disabled, reason \"key retired\"", () =>
      Effect.gen(function*() {
        yield* seed
        const check = yield* keysInUse.pipe(Effect.provide(onlyNew))
        expect(check.missing).toEqual(["k1"])
        expect(check.keys.find((k) => k.keyId === "k1")).toMatchObject({ configured: false, total: 5 })

        // The user's own connector object meets it first: ConnectorBroken naming the retired key, not a retryable 503.
        const active = (yield* allConnectors).find((c) => c.status === "active")!
        const opened = yield* Effect.flatMap(TokenVault, (vault) => Effect.flip(makeCredentials(ALICE, vault).decrypt(active))).pipe(
          Effect.provide(onlyNew)
        )
        expect(opened).toMatchObject({ _tag: "ConnectorBroken", connectorId: active.id })
        expect(opened._tag === "ConnectorBroken" ? opened.reason : opened._tag).toMatch(/^key retired: the vault key "k1"/)

        const report = yield* rotateVaultKeys().pipe(Effect.provide(onlyNew))
        expect(report.retired.connectors).toHaveLength(3)
        expect(report.retired.webhookSecrets).toEqual(["wh_a", "wh_b"])
        for (const row of yield* allConnectors) {
          expect(row.status, row.id).toBe("broken")
          expect(row.warning, row.id).toMatch(/^key retired: the vault key "k1"/)
        }
        const [a, b] = yield* allSubscriptions
        expect(a).toMatchObject({ id: "wh_a", disabledReason: expect.stringMatching(/^key retired: the vault key "k1"/) })
        // An already disabled subscription keeps its first reason.
        expect(b!.disabledReason).toBe("the endpoint answered 410 Gone")
        // Still counted against k1 until the owners reconnect or delete: the check keeps saying so.
        expect((yield* keysInUse.pipe(Effect.provide(onlyNew))).missing).toEqual(["k1"])
      }))

    test("the operator endpoint: removal refused (409) while the key seals something, listing what; allowed after rotation", () =>
      Effect.gen(function*() {
        yield* seed
        const context = yield* Effect.context<ConnectorsRepo | WebhookSubscriptionsRepo | NotifySealedValues | DeadLetterSealedValues | BookingNoteSealedValues>()
        const vault = yield* Effect.provide(TokenVault, rotating)
        const run = <A, E>(effect: Effect.Effect<A, E, TokenVault | ConnectorsRepo | WebhookSubscriptionsRepo | NotifySealedValues | DeadLetterSealedValues | BookingNoteSealedValues>) =>
          Effect.runPromise(effect.pipe(Effect.provideService(TokenVault, vault), Effect.provide(context)))
        const env = { ENVIRONMENT: "production", OPERATOR_SECRET: "op-secret" }
        const call = (method: string, query = "", token = "op-secret") =>
          Effect.promise(async () => {
            const response = await handleVaultKeys(
              new Request(`https://appview.example/operator/vault-keys${query}`, { method, headers: { authorization: `Bearer ${token}` } }),
              env,
              run
            )
            return { status: response.status, body: (await response.json()) as Record<string, unknown> }
          })

        expect((yield* call("GET", "", "wrong")).status).toBe(401)
        const refused = yield* call("GET", "?remove=k1")
        expect(refused.status).toBe(409)
        expect(refused.body).toMatchObject({ error: "VaultKeyInUse", keyId: "k1" })
        expect(refused.body.message).toMatch(/^remove: key "k1" still seals 1 active connector credential/)
        expect(refused.body.uses).toHaveLength(5)
        expect((yield* call("GET", "?remove=k2")).body.uses).toEqual(["it is the current key (point `current` at another key first)"])

        const rotated = yield* call("POST")
        expect(rotated.status).toBe(200)
        expect(rotated.body).toMatchObject({ rotation: { rotated: { connectors: 3, webhookSecrets: 2 } }, keys: { removable: ["k1"] } })
        expect(yield* call("GET", "?remove=k1")).toEqual({ status: 200, body: { keyId: "k1", removable: true } })
      }))
  })
}
