import { Context, Effect, Either, Layer, Ref } from "effect"
import {
  type DidDocument,
  type DidDocumentEncoded,
  DidNotFound,
  decodeDidDocument,
  HandleNotFound,
  IdentityResolver,
  normalizeHandle,
  parseDid,
  pdsEndpointOf,
  signingKeyOf
} from "../../services/IdentityResolver"

/** A minimal atproto DID document: an `#atproto` Multikey, an optional handle and PDS. */
export const makeDidDocument = (options: {
  readonly did: string
  /** `did:key:z…` (secp256k1 or P-256), e.g. `keypair.did()` from @atproto/crypto */
  readonly signingKey: string
  readonly handle?: string
  readonly pdsEndpoint?: string
}): DidDocument => ({
  id: options.did,
  alsoKnownAs: options.handle === undefined ? [] : [`at://${options.handle}`],
  verificationMethod: [
    {
      id: `${options.did}#atproto`,
      type: "Multikey",
      controller: options.did,
      publicKeyMultibase: options.signingKey.replace(/^did:key:/, "")
    }
  ],
  service:
    options.pdsEndpoint === undefined
      ? []
      : [{ id: "#atproto_pds", type: "AtprotoPersonalDataServer", serviceEndpoint: options.pdsEndpoint }]
})

export interface IdentityFixtures {
  readonly documents?: ReadonlyArray<DidDocumentEncoded>
  /** handle → DID */
  readonly handles?: Readonly<Record<string, string>>
}

/** Lets a test change the in-memory identities while the resolver is in use (rotate a key, add a handle). */
export class TestIdentities extends Context.Tag("overlap/TestIdentities")<
  TestIdentities,
  {
    readonly putDocument: (document: DidDocumentEncoded) => Effect.Effect<void>
    readonly removeDocument: (did: string) => Effect.Effect<void>
    readonly putHandle: (handle: string, did: string) => Effect.Effect<void>
  }
>() {}

const decodeFixture = (document: DidDocumentEncoded): DidDocument =>
  Either.getOrThrowWith(decodeDidDocument(document.id, document), (error) => new Error(error.message))

/**
 * IdentityResolver over in-memory maps (no cache: every read sees the latest fixture). Same errors as the
 * Live layer: UnsupportedDidMethod for a DID it could never resolve, DidNotFound / HandleNotFound for a miss,
 * DidDocumentInvalid when a document has no usable key or PDS.
 */
export const makeIdentityResolverTest = (
  fixtures: IdentityFixtures = {}
): Layer.Layer<IdentityResolver | TestIdentities> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const documents = yield* Ref.make(
        new Map((fixtures.documents ?? []).map((document) => [document.id, decodeFixture(document)] as const))
      )
      const handles = yield* Ref.make(
        new Map(
          Object.entries(fixtures.handles ?? {}).map(([handle, did]) => [handle.toLowerCase(), did] as const)
        )
      )

      const resolveDid = (did: string) =>
        Effect.gen(function* () {
          yield* parseDid(did)
          const found = (yield* Ref.get(documents)).get(did)
          if (found === undefined) return yield* new DidNotFound({ did, message: `${did} does not exist` })
          return found
        })

      const resolver = IdentityResolver.of({
        resolveDid: (did) => resolveDid(did),
        getSigningKey: (did) => Effect.flatMap(resolveDid(did), signingKeyOf),
        getPdsEndpoint: (did) => Effect.flatMap(resolveDid(did), pdsEndpointOf),
        resolveHandle: (handle) =>
          Effect.gen(function* () {
            const normalized = yield* normalizeHandle(handle)
            const did = (yield* Ref.get(handles)).get(normalized)
            if (did === undefined) return yield* new HandleNotFound({ handle, message: `${normalized} is not registered` })
            return did
          }),
        invalidate: () => Effect.void
      })

      const control = TestIdentities.of({
        putDocument: (document) =>
          Ref.update(documents, (map) => new Map(map).set(document.id, decodeFixture(document))),
        removeDocument: (did) =>
          Ref.update(documents, (map) => {
            const next = new Map(map)
            next.delete(did)
            return next
          }),
        putHandle: (handle, did) => Ref.update(handles, (map) => new Map(map).set(handle.toLowerCase(), did))
      })

      return Context.make(IdentityResolver, resolver).pipe(Context.add(TestIdentities, control))
    })
  )

/** An empty in-memory resolver; build one with fixtures via `makeIdentityResolverTest`. */
export const IdentityResolverTest = makeIdentityResolverTest()
