import { Effect, Either, Exit, Layer, Option } from "effect"
import { bindingAad, type Envelope, formatEnvelope, IV_BYTES, parseEnvelope } from "../../domain/tokenVault/envelopeFormat"
import { DEVELOPMENT_KEY_ID, DEVELOPMENT_KEY_LABEL, parseKeyRing } from "../../domain/tokenVault/keyring"
import { type SealedToken, TokenVault, VaultConfigInvalid, VaultDecryptFailed, VaultKeyMissing } from "../../services/TokenVault"
import { type TokenBinding } from "../../domain/tokenVault/tokenBinding"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/** Where the key ring comes from: the `TOKEN_VAULT_KEYS` secret and the `ENVIRONMENT` var. */
export interface TokenVaultConfig {
  readonly keys: string | undefined
  readonly environment: string
}

interface KeyEncryptionKeys {
  readonly current: string
  readonly keks: ReadonlyMap<string, CryptoKey>
}

const importKek = (bytes: Uint8Array): Promise<CryptoKey> =>
  crypto.subtle.importKey("raw", bytes, "AES-KW", false, ["wrapKey", "unwrapKey"])

const developmentKek = Effect.promise(async () =>
  importKek(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(DEVELOPMENT_KEY_LABEL))))
)

const loadKeys = (config: TokenVaultConfig): Effect.Effect<KeyEncryptionKeys, VaultKeyMissing | VaultConfigInvalid> =>
  Effect.gen(function*() {
    const development = config.environment === "development"
    if (config.keys === undefined || config.keys.trim() === "") {
      if (!development) {
        return yield* new VaultKeyMissing({
          reason: `TOKEN_VAULT_KEYS is not set; it is required when ENVIRONMENT is ${JSON.stringify(config.environment)}`
        })
      }
      return { current: DEVELOPMENT_KEY_ID, keks: new Map([[DEVELOPMENT_KEY_ID, yield* developmentKek]]) }
    }
    const ring = yield* Either.mapLeft(parseKeyRing(config.keys), (reason) => new VaultConfigInvalid({ reason }))
    const keks = new Map<string, CryptoKey>()
    // In development the public key still opens what it sealed before a real ring was configured.
    if (development && !ring.keys.has(DEVELOPMENT_KEY_ID)) keks.set(DEVELOPMENT_KEY_ID, yield* developmentKek)
    for (const [keyId, bytes] of ring.keys) keks.set(keyId, yield* Effect.promise(() => importKek(bytes)))
    return { current: ring.current, keks }
  })

const GCM = "AES-GCM"

/** The TokenVault over WebCrypto for one key-ring configuration (works in workerd and Node). */
export const makeTokenVault = (config: TokenVaultConfig): Effect.Effect<TokenVault["Type"]> =>
  Effect.gen(function*() {
    // The configuration is fixed for the isolate: remember the imported keys (or the failure) once they are
    // finished. Not `Effect.cached`: that would let one request await another request's in-flight import.
    let loaded: Exit.Exit<KeyEncryptionKeys, VaultKeyMissing | VaultConfigInvalid> | undefined
    const keys = Effect.suspend(() =>
      loaded ?? Effect.onExit(loadKeys(config), (exit) => Effect.sync(() => void (Exit.isInterrupted(exit) ? undefined : (loaded = exit))))
    )

    const open = (text: string) =>
      Either.mapLeft(parseEnvelope(text), (reason) => new VaultDecryptFailed({ reason }))

    const kekFor = (ring: KeyEncryptionKeys, keyId: string) =>
      Option.match(Option.fromNullable(ring.keks.get(keyId)), {
        onNone: () => Effect.fail(new VaultKeyMissing({ keyId, reason: "TOKEN_VAULT_KEYS has no key with this id" })),
        onSome: Effect.succeed
      })

    const unwrapDataKey = (envelope: Envelope, kek: CryptoKey, extractable: boolean) =>
      Effect.tryPromise({
        try: () =>
          crypto.subtle.unwrapKey("raw", envelope.wrappedKey, kek, "AES-KW", { name: GCM }, extractable, ["decrypt"]),
        catch: () => new VaultDecryptFailed({ reason: "the data key does not unwrap (tampered, or the key with this id changed)" })
      })

    const decryptWith = (envelope: Envelope, dataKey: CryptoKey, binding: TokenBinding) =>
      Effect.tryPromise({
        try: async () =>
          new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
            await crypto.subtle.decrypt(
              { name: GCM, iv: envelope.iv, additionalData: bindingAad(binding) },
              dataKey,
              envelope.sealed
            )
          ),
        catch: () => new VaultDecryptFailed({ reason: "the ciphertext does not open for this binding, or was tampered with" })
      })

    const encrypt = (plaintext: string, binding: TokenBinding) =>
      Effect.gen(function*() {
        const ring = yield* keys
        const kek = yield* kekFor(ring, ring.current)
        const envelope = yield* Effect.promise(async (): Promise<Envelope> => {
          const dataKey = (await crypto.subtle.generateKey({ name: GCM, length: 256 }, true, ["encrypt", "decrypt"])) as CryptoKey
          const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
          const sealed = await crypto.subtle.encrypt(
            { name: GCM, iv, additionalData: bindingAad(binding) },
            dataKey,
            new TextEncoder().encode(plaintext)
          )
          const wrappedKey = await crypto.subtle.wrapKey("raw", dataKey, kek, "AES-KW")
          return { keyId: ring.current, wrappedKey: new Uint8Array(wrappedKey), iv, sealed: new Uint8Array(sealed) }
        })
        return { ciphertext: formatEnvelope(envelope), keyId: ring.current } satisfies SealedToken
      })

    const decrypt = (ciphertext: string, binding: TokenBinding) =>
      Effect.gen(function*() {
        const envelope = yield* open(ciphertext)
        const kek = yield* kekFor(yield* keys, envelope.keyId)
        return yield* decryptWith(envelope, yield* unwrapDataKey(envelope, kek, false), binding)
      })

    const needsRotation = (ciphertext: string) =>
      Effect.gen(function*() {
        const envelope = yield* open(ciphertext)
        return envelope.keyId !== (yield* keys).current
      })

    const rotate = (ciphertext: string, binding: TokenBinding) =>
      Effect.gen(function*() {
        const envelope = yield* open(ciphertext)
        const ring = yield* keys
        if (envelope.keyId === ring.current) return Option.none<SealedToken>()
        const dataKey = yield* unwrapDataKey(envelope, yield* kekFor(ring, envelope.keyId), true)
        // Never re-wrap something that does not open for this binding: rotation must not launder a moved ciphertext.
        yield* decryptWith(envelope, dataKey, binding)
        const currentKek = yield* kekFor(ring, ring.current)
        const wrappedKey = yield* Effect.promise(() => crypto.subtle.wrapKey("raw", dataKey, currentKek, "AES-KW"))
        return Option.some<SealedToken>({
          ciphertext: formatEnvelope({ ...envelope, keyId: ring.current, wrappedKey: new Uint8Array(wrappedKey) }),
          keyId: ring.current
        })
      })

    return TokenVault.of({
      currentKeyId: Effect.map(keys, (ring) => ring.current),
      keyIds: Effect.map(keys, (ring) => [...ring.keks.keys()]),
      encrypt,
      decrypt,
      needsRotation,
      rotate
    })
  })

/** A TokenVault for an explicit configuration (Durable Objects, scripts, tests). */
export const tokenVaultLayer = (config: TokenVaultConfig): Layer.Layer<TokenVault> =>
  Layer.effect(TokenVault, makeTokenVault(config))

/**
 * The TokenVault over the worker's `TOKEN_VAULT_KEYS` secret. Building it never fails: a missing or bad
 * secret surfaces as VaultKeyMissing / VaultConfigInvalid from the operations that need a key, so a
 * worker without the secret still serves everything else.
 */
export const TokenVaultLive: Layer.Layer<TokenVault, never, CloudflareEnv> = Layer.effect(
  TokenVault,
  Effect.flatMap(CloudflareEnv, (env) => makeTokenVault({ keys: env.TOKEN_VAULT_KEYS, environment: env.ENVIRONMENT }))
)
