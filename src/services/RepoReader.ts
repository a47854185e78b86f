import { HttpApiSchema } from "@effect/platform"
import type { Effect } from "effect"
import { Context, Schema } from "effect"

/** One record as `com.atproto.repo.listRecords` answers it. */
export interface RepoRecord {
  readonly uri: string
  readonly cid: string
  readonly value: Record<string, unknown>
}

export interface RepoPage {
  readonly records: ReadonlyArray<RepoRecord>
  readonly cursor?: string | undefined
}

/** The person's PDS could not be reached, or answered something that is not a record listing. */
export class PdsUnavailable extends Schema.TaggedError<PdsUnavailable>()(
  "PdsUnavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 502 })
) {}

/**
 * Reads a person's public repo at their own PDS (endpoint from their DID document): what they have published, at
 * once, without waiting for the firehose. Unauthenticated: repo reads are public in atproto, so no token is involved.
 */
export class RepoReader extends Context.Tag("overlap/RepoReader")<RepoReader, {
  readonly listRecords: (
    did: string,
    collection: string,
    page: { readonly limit: number; readonly cursor?: string | undefined }
  ) => Effect.Effect<RepoPage, PdsUnavailable>
}>() {}
