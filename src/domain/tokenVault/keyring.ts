import { Either, Encoding, ParseResult, Schema } from "effect"
import { KEY_ID_PATTERN } from "./envelopeFormat"

/**
 * The `TOKEN_VAULT_KEYS` secret (documented in .dev.vars.example):
 *
 *   {"current":"k2","keys":{"k1":"<base64 of 32 random bytes>","k2":"<base64 of 32 random bytes>"}}
 *
 * `current` seals new tokens; every key listed still opens what it sealed. Rotate by adding a key and
 * pointing `current` at it; the refresh-oauth cron re-wraps every sealed value under it (features/connectors/
 * vaultKeys.ts). Remove an old key only when `node scripts/vaultKeys.mjs check-ring <new ring>` says nothing uses
 * it; a value whose key is gone anyway gets the "key retired" state, not a silent failure.
 */
export interface KeyRing {
  readonly current: string
  readonly keys: ReadonlyMap<string, Uint8Array>
}

export const KEY_BYTES = 32

/** The key id of the development key: it names what it is wherever a ciphertext shows it. */
export const DEVELOPMENT_KEY_ID = "development-insecure"
/** The development key is SHA-256 of this public label: anyone can derive it, so it protects nothing. */
export const DEVELOPMENT_KEY_LABEL = "overlap token vault development key: public, never use outside ENVIRONMENT=development"

const KeyId = Schema.String.pipe(Schema.pattern(KEY_ID_PATTERN, { message: () => "key ids are 1-64 characters of A-Z a-z 0-9 _ -" }))

const KeyMaterial = Schema.transformOrFail(Schema.String, Schema.Uint8ArrayFromSelf, {
  strict: true,
  // Standard or URL-safe base64, padded or not: whatever `openssl rand -base64 32` gives.
  decode: (text, _, ast) =>
    Either.match(Encoding.decodeBase64Url(text.trim().replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")), {
      onLeft: () => ParseResult.fail(new ParseResult.Type(ast, text, "a key is not base64")),
      onRight: (bytes) =>
        bytes.length === KEY_BYTES
          ? ParseResult.succeed(bytes)
          : ParseResult.fail(new ParseResult.Type(ast, text, `a key must be ${KEY_BYTES} bytes, got ${bytes.length}`))
    }),
  encode: (bytes) => ParseResult.succeed(Encoding.encodeBase64(bytes))
})

const VaultKeys = Schema.Struct({
  current: KeyId,
  keys: Schema.Record({ key: KeyId, value: KeyMaterial })
})

// Schema's messages quote the actual value ("Expected string, actual …"): under `keys` that is key material.
const describeIssue = (issue: ParseResult.ArrayFormatterIssue): string => {
  const path = issue.path.join(".") || "(root)"
  const safe = issue.path[0] !== "keys" || issue.message.startsWith("a key ") || issue.message.startsWith("key ids ")
  return `${path}: ${safe ? issue.message.slice(0, 120) : "must be the base64 of a key"}`
}

// JSON.parse's own message quotes the input, which here is key material.
const parseJson = (text: string): Either.Either<unknown, string> =>
  Either.try({ try: (): unknown => JSON.parse(text), catch: () => "not valid JSON" })

/** Parses the secret; `Left` says what is wrong without echoing any key material. */
export const parseKeyRing = (secret: string): Either.Either<KeyRing, string> =>
  parseJson(secret).pipe(
    Either.flatMap(Schema.decodeUnknownEither(VaultKeys)),
    Either.mapLeft((error) =>
      typeof error === "string" ? error : ParseResult.ArrayFormatter.formatErrorSync(error).map(describeIssue).join("; ")
    ),
    Either.flatMap(({ current, keys }) =>
      current in keys
        ? Either.right({ current, keys: new Map(Object.entries(keys)) })
        : Either.left(`current key ${JSON.stringify(current)} is not in keys`)
    )
  )
