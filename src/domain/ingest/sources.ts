import { Either, Schema } from "effect"
import { jetstreamUrl } from "./jetstream"

/**
 * The ingest sources a firehose worker keeps open, one FirehoseDO each, from the `FIREHOSE_SOURCES` var:
 * `[{ "id": "relay", "kind": "firehose", "url": "wss://…/xrpc/com.atproto.sync.subscribeRepos" },
 *   { "id": "jetstream", "kind": "jetstream", "url": "wss://…/subscribe" }]`.
 * Tap needs no entry: it pushes to the worker's `/tap/webhook`.
 */
export const IngestSource = Schema.Struct({
  /** Names the Durable Object and the cursor row: keep it stable. */
  id: Schema.String.pipe(Schema.pattern(/^[a-z0-9][a-z0-9._-]{0,63}$/)),
  kind: Schema.Literal("firehose", "jetstream"),
  url: Schema.String.pipe(Schema.pattern(/^wss?:\/\/\S+$/))
})
export type IngestSource = typeof IngestSource.Type

export class SourcesInvalid extends Schema.TaggedError<SourcesInvalid>()("SourcesInvalid", { message: Schema.String }) {}

/** The local PDS that `npm run dev` starts (scripts/localAtproto.mjs, port 2583). */
export const LOCAL_PDS_SOURCE: IngestSource = {
  id: "local-pds",
  kind: "firehose",
  url: "ws://127.0.0.1:2583/xrpc/com.atproto.sync.subscribeRepos"
}

const decodeSources = Schema.decodeUnknownEither(Schema.parseJson(Schema.Array(IngestSource)))

/** Sources from the var; without it, the local PDS in development and nothing elsewhere. */
export const sourcesOf = (env: {
  readonly FIREHOSE_SOURCES?: string | undefined
  readonly ENVIRONMENT: string
}): Either.Either<ReadonlyArray<IngestSource>, SourcesInvalid> => {
  if (env.FIREHOSE_SOURCES === undefined || env.FIREHOSE_SOURCES.trim() === "") {
    return Either.right(env.ENVIRONMENT === "development" ? [LOCAL_PDS_SOURCE] : [])
  }
  return Either.mapLeft(decodeSources(env.FIREHOSE_SOURCES), (error) => new SourcesInvalid({ message: `FIREHOSE_SOURCES: ${error.message}` }))
}

/** Where to subscribe, resuming after `cursor` (firehose seq or Jetstream time_us) when there is one. */
export const subscribeUrl = (source: IngestSource, cursor: number | null): string => {
  if (source.kind === "jetstream") return jetstreamUrl(source.url, cursor)
  const url = new URL(source.url)
  if (cursor !== null) url.searchParams.set("cursor", String(cursor))
  else url.searchParams.delete("cursor")
  return url.toString()
}

/** Workers open outbound WebSockets with fetch + `Upgrade: websocket`, which takes http(s) URLs. */
export const fetchableUrl = (wsUrl: string): string => wsUrl.replace(/^ws(s?):\/\//, "http$1://")
