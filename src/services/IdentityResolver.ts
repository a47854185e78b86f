import { HttpApiSchema } from "@effect/platform"
import { formatDidKey, multibaseToBytes, P256_JWT_ALG, parseMultikey, SECP256K1_JWT_ALG } from "@atproto/crypto"
import { Context, Effect, Either, Schema } from "effect"

// ---------------------------------------------------------------------------------------------
// DID documents: only the parts atproto reads (https://atproto.com/specs/did)
// ---------------------------------------------------------------------------------------------

export const VerificationMethod = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  controller: Schema.optional(Schema.String),
  publicKeyMultibase: Schema.optional(Schema.String)
})
export type VerificationMethod = typeof VerificationMethod.Type

export const DidService = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  // atproto only uses string endpoints; DID core also allows maps and sets, which we keep but never follow
  serviceEndpoint: Schema.Union(Schema.String, Schema.Record({ key: Schema.String, value: Schema.Unknown }), Schema.Array(Schema.Unknown))
})
export type DidService = typeof DidService.Type

/** A DID: `did:<method>:<method-specific-id>` (https://atproto.com/specs/did#at-protocol-did-identifier-syntax). */
export const Did = Schema.String.pipe(
  Schema.pattern(/^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$/),
  Schema.maxLength(2048),
  Schema.annotations({ identifier: "Did" })
)

export const DidDocument = Schema.Struct({
  id: Did,
  alsoKnownAs: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  verificationMethod: Schema.optionalWith(Schema.Array(VerificationMethod), { default: () => [] }),
  service: Schema.optionalWith(Schema.Array(DidService), { default: () => [] })
})
export type DidDocument = typeof DidDocument.Type
export type DidDocumentEncoded = typeof DidDocument.Encoded

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** The DID method's registry says the DID does not exist (PLC 404/410, did:web 404). */
export class DidNotFound extends Schema.TaggedError<DidNotFound>()(
  "DidNotFound",
  { did: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

/** A document came back but is not a usable atproto DID document (bad JSON, wrong id, no key…). */
export class DidDocumentInvalid extends Schema.TaggedError<DidDocumentInvalid>()(
  "DidDocumentInvalid",
  { did: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {}

/** The registry or host could not be reached, timed out, or answered 5xx: worth retrying later. */
export class IdentityUnavailable extends Schema.TaggedError<IdentityUnavailable>()(
  "IdentityUnavailable",
  { subject: Schema.String, message: Schema.String, cause: Schema.optional(Schema.Defect) },
  HttpApiSchema.annotations({ status: 503 })
) {}

/** Neither DNS TXT `_atproto.<handle>` nor `https://<handle>/.well-known/atproto-did` names a DID. */
export class HandleNotFound extends Schema.TaggedError<HandleNotFound>()(
  "HandleNotFound",
  { handle: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

/** atproto blesses did:plc and did:web (hostname only); anything else is refused before any I/O. */
export class UnsupportedDidMethod extends Schema.TaggedError<UnsupportedDidMethod>()(
  "UnsupportedDidMethod",
  { did: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {}

export type DidResolutionError = DidNotFound | DidDocumentInvalid | IdentityUnavailable | UnsupportedDidMethod
export type HandleResolutionError = HandleNotFound | IdentityUnavailable

export interface ResolveOptions {
  /** Skip the cache, fetch again and replace the cached entry (e.g. after a signature failed to verify). */
  readonly forceRefresh?: boolean
}

// ---------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------

export class IdentityResolver extends Context.Tag("overlap/IdentityResolver")<
  IdentityResolver,
  {
    /** The DID document, decoded; its `id` is always the DID asked for. */
    readonly resolveDid: (did: string, options?: ResolveOptions) => Effect.Effect<DidDocument, DidResolutionError>
    /** The `#atproto` verification method as a `did:key:` (secp256k1 or P-256). */
    readonly getSigningKey: (did: string, options?: ResolveOptions) => Effect.Effect<string, DidResolutionError>
    /** The `#atproto_pds` service endpoint (an http(s) URL). */
    readonly getPdsEndpoint: (did: string, options?: ResolveOptions) => Effect.Effect<string, DidResolutionError>
    /**
     * handle → DID, as claimed by DNS or the handle's host. This is the forward direction only: a caller that
     * shows a handle for a DID must also check the DID document's `alsoKnownAs` (bidirectional verification).
     */
    readonly resolveHandle: (handle: string, options?: ResolveOptions) => Effect.Effect<string, HandleResolutionError>
    /** Drops the cached document of a DID (e.g. on an identity event from the firehose). */
    readonly invalidate: (did: string) => Effect.Effect<void>
  }
>() {}

// ---------------------------------------------------------------------------------------------
// Reading a document: shared by every layer so that Live and Test keep the same promises
// ---------------------------------------------------------------------------------------------

/** did:plc is 24 base32 characters; did:web is a hostname (port percent-encoded), without a path. */
export type ParsedDid =
  | { readonly method: "plc"; readonly did: string }
  | { readonly method: "web"; readonly did: string; readonly host: string }

export const parseDid = (did: string): Either.Either<ParsedDid, UnsupportedDidMethod | DidNotFound> => {
  if (!Schema.is(Did)(did)) {
    return Either.left(new UnsupportedDidMethod({ did, message: `"${did}" is not a DID` }))
  }
  if (did.startsWith("did:plc:")) {
    return /^did:plc:[a-z2-7]{24}$/.test(did)
      ? Either.right({ method: "plc", did })
      : Either.left(new DidNotFound({ did, message: `${did} is not a well-formed did:plc` }))
  }
  if (did.startsWith("did:web:")) {
    const specific = did.slice("did:web:".length)
    if (specific.includes(":")) {
      return Either.left(new UnsupportedDidMethod({ did, message: "atproto does not support did:web with a path" }))
    }
    const host = specific.replace(/%3a/gi, ":")
    if (!/^[a-zA-Z0-9.-]+(:[0-9]{1,5})?$/.test(host)) {
      return Either.left(new UnsupportedDidMethod({ did, message: `did:web host "${host}" is not a hostname` }))
    }
    return Either.right({ method: "web", did, host: host.toLowerCase() })
  }
  return Either.left(new UnsupportedDidMethod({ did, message: `${did.split(":")[1]} is not a supported DID method (plc, web)` }))
}

/** An entry matches `#name` whether the document writes it relative (`#atproto`) or absolute (`did:…#atproto`). */
const findById = <A extends { readonly id: string }>(doc: DidDocument, items: ReadonlyArray<A>, fragment: string) =>
  items.find((item) => item.id === fragment || item.id === `${doc.id}${fragment}`)

/**
 * The `#atproto` key as a `did:key:`. PLC and most did:web documents use `Multikey` (multicodec-prefixed,
 * compressed); older PLC directories still serve the legacy `EcdsaSecp256k1VerificationKey2019` /
 * `EcdsaSecp256r1VerificationKey2019` forms with raw key bytes, which `formatDidKey` compresses.
 */
export const signingKeyOf = (doc: DidDocument): Either.Either<string, DidDocumentInvalid> => {
  const invalid = (message: string) => Either.left(new DidDocumentInvalid({ did: doc.id, message }))
  const method = findById(doc, doc.verificationMethod, "#atproto")
  if (method === undefined) return invalid("the DID document has no #atproto verification method")
  if (method.publicKeyMultibase === undefined) return invalid("the #atproto verification method has no publicKeyMultibase")
  const multibase = method.publicKeyMultibase
  try {
    switch (method.type) {
      case "Multikey": {
        const { jwtAlg, keyBytes } = parseMultikey(multibase)
        return Either.right(formatDidKey(jwtAlg, keyBytes))
      }
      case "EcdsaSecp256k1VerificationKey2019":
        return Either.right(formatDidKey(SECP256K1_JWT_ALG, multibaseToBytes(multibase)))
      case "EcdsaSecp256r1VerificationKey2019":
        return Either.right(formatDidKey(P256_JWT_ALG, multibaseToBytes(multibase)))
      default:
        return invalid(`unsupported #atproto key type ${method.type}`)
    }
  } catch (error) {
    return invalid(`the #atproto key does not parse: ${error instanceof Error ? error.message : String(error)}`)
  }
}

export const pdsEndpointOf = (doc: DidDocument): Either.Either<string, DidDocumentInvalid> => {
  const service = findById(doc, doc.service, "#atproto_pds")
  const endpoint = service?.type === "AtprotoPersonalDataServer" ? service.serviceEndpoint : undefined
  if (typeof endpoint !== "string") {
    return Either.left(new DidDocumentInvalid({ did: doc.id, message: "the DID document has no #atproto_pds service" }))
  }
  try {
    const url = new URL(endpoint)
    if (url.protocol === "https:" || url.protocol === "http:") return Either.right(endpoint)
  } catch {
    // fall through
  }
  return Either.left(new DidDocumentInvalid({ did: doc.id, message: `#atproto_pds endpoint "${endpoint}" is not an http(s) URL` }))
}

/** Decodes untrusted JSON into a DID document and checks it is the document of `did`. */
export const decodeDidDocument = (did: string, json: unknown): Either.Either<DidDocument, DidDocumentInvalid> =>
  Schema.decodeUnknownEither(DidDocument)(json).pipe(
    // the messages never quote the document: they reach the caller (a 401), and the document is whatever the
    // host named in the DID chose to serve
    Either.mapLeft(() => new DidDocumentInvalid({ did, message: "malformed DID document" })),
    Either.filterOrLeft(
      (doc) => doc.id === did,
      () => new DidDocumentInvalid({ did, message: `the document is not for ${did}` })
    )
  )

/** A handle per https://atproto.com/specs/handle#handle-identifier-syntax, normalized to lower case. */
export const normalizeHandle = (handle: string): Either.Either<string, HandleNotFound> => {
  const normalized = handle.trim().toLowerCase().replace(/^@/, "")
  const valid =
    normalized.length <= 253 &&
    /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(normalized)
  return valid
    ? Either.right(normalized)
    : Either.left(new HandleNotFound({ handle, message: `"${handle}" is not a valid handle` }))
}

