import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Effect, Layer, Schema } from "effect"
import { IdentityResolver } from "../../services/IdentityResolver"
import { PdsUnavailable, RepoReader } from "../../services/RepoReader"

const ListRecords = Schema.Struct({
  cursor: Schema.optional(Schema.String),
  records: Schema.Array(Schema.Struct({
    uri: Schema.String,
    cid: Schema.String,
    value: Schema.Record({ key: Schema.String, value: Schema.Unknown })
  }))
})

/** How long one listing may take before the PDS counts as unreachable. */
const LIST_TIMEOUT = "10 seconds"

/** RepoReader over `com.atproto.repo.listRecords` at the DID's `#atproto_pds` endpoint. */
export const RepoReaderLive: Layer.Layer<RepoReader, never, IdentityResolver | HttpClient.HttpClient> = Layer.effect(
  RepoReader,
  Effect.gen(function*() {
    const identity = yield* IdentityResolver
    const client = yield* HttpClient.HttpClient
    return RepoReader.of({
      listRecords: (did, collection, page) =>
        Effect.gen(function*() {
          const pds = yield* identity.getPdsEndpoint(did)
          const url = new URL("/xrpc/com.atproto.repo.listRecords", pds)
          url.searchParams.set("repo", did)
          url.searchParams.set("collection", collection)
          url.searchParams.set("limit", String(page.limit))
          if (page.cursor !== undefined) url.searchParams.set("cursor", page.cursor)
          const response = yield* client.execute(HttpClientRequest.get(url.toString(), { acceptJson: true }))
          const body = yield* HttpClientResponse.schemaBodyJson(ListRecords)(yield* HttpClientResponse.filterStatusOk(response))
          return { records: body.records, cursor: body.cursor }
        }).pipe(
          Effect.scoped,
          Effect.timeout(LIST_TIMEOUT),
          Effect.mapError((cause) => new PdsUnavailable({ message: `your PDS could not be read (${cause._tag})` }))
        )
    })
  })
)
