import { HttpServerRequest } from "@effect/platform"
import { Effect, Either } from "effect"
import { canonicalJson } from "../../domain/idempotency"
import { validateRecord } from "../../domain/recordValidation"
import { ApiError } from "../../services/ApiError"
import { PdsWriteRejected, ReauthorizeRequired, SessionUnavailable } from "../../services/AtprotoSessions"
import { type PdsWriteFailed, type PdsWriteResult } from "../../services/PdsWriter"
import { RepoReader } from "../../services/RepoReader"
import { InvalidRequest } from "../xrpc/XrpcErrors"

/**
 * What the app.overlap.host.* methods share: the caller must have signed in to Overlap in a browser (their records
 * are written with their own atproto session, which only a sign-in gives Overlap), records are checked exactly as the
 * indexer checks them, and a write's failure becomes the error the person can act on.
 */

/** A service-auth caller (a PDS or another service on someone's behalf): Overlap holds no session to write with. */
export class WebSessionRequired extends ApiError<WebSessionRequired>()("WebSessionRequired", 403) {}

/** The errors a write to the caller's repo answers with (besides InvalidRequest for the record itself). */
export type OwnWriteError = ReauthorizeRequired | PdsWriteRejected | SessionUnavailable

/** Refuses a caller that came with `Authorization` (service-auth): these methods write with the browser session's grant. */
export const requireWebSession = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  if (request.headers.authorization !== undefined) {
    return yield* new WebSessionRequired({
      message: "authorization: these methods write to your repo through your Overlap sign-in; sign in to Overlap in a browser and call them with its session cookie (service-auth callers write to their PDS directly)"
    })
  }
})

/** The record as it will be written: `$type` set, `createdAt` now unless given; checked as the firehose indexer checks it. */
export const prepareRecord = (collection: string, field: string, input: Record<string, unknown>) =>
  Effect.gen(function*() {
    const record: Record<string, unknown> = {
      ...input,
      $type: collection,
      createdAt: typeof input.createdAt === "string" ? input.createdAt : new Date().toISOString()
    }
    const checked = validateRecord(collection, record)
    if (Either.isLeft(checked)) {
      const where = checked.left.field === "" ? field : `${field}.${checked.left.field}`
      return yield* new InvalidRequest({ message: `${where}: ${checked.left.message}` })
    }
    return record
  })

const TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"

/**
 * A record key in TID syntax derived from the caller and the record (without `createdAt`): the same offer sent again
 * — a retry after a lost answer — has the same key, so `putRecord` replaces it instead of writing a second one.
 */
export const derivedTid = (did: string, record: Record<string, unknown>) =>
  Effect.promise(async () => {
    const { createdAt: _createdAt, ...content } = record
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalJson({ did, content }))))
    let n = 0n
    for (const byte of digest.slice(0, 8)) n = (n << 8n) | BigInt(byte)
    n &= (1n << 63n) - 1n // a TID's top bit is 0
    let tid = ""
    for (let i = 0; i < 13; i++) {
      tid = TID_ALPHABET[Number(n & 31n)]! + tid
      n >>= 5n
    }
    return tid
  })

/** A write's failure as the error the caller can act on: sign in again, a refusal by their PDS, or try later. */
export const writeFailure = (error: PdsWriteFailed): Effect.Effect<never, OwnWriteError> => {
  const cause = error.cause
  if (cause instanceof ReauthorizeRequired || cause instanceof PdsWriteRejected || cause instanceof SessionUnavailable) return Effect.fail(cause)
  return Effect.fail(new SessionUnavailable({ did: "", message: "your session could not be reached; try again" }))
}

/** The answer of a put or delete. */
export const writeAnswer = (did: string, collection: string, rkey: string, result: PdsWriteResult) => ({
  uri: `at://${did}/${collection}/${rkey}`,
  rkey,
  status: result.status === "queued" ? "queued" : "written",
  ...(result.cid !== undefined ? { cid: result.cid } : {})
})

/** One page of the caller's records of `collection`, from their repo; each record that Overlap would not index names its problem. */
export const listOwn = (did: string, collection: string, page: { readonly limit: number; readonly cursor?: string | undefined }) =>
  Effect.gen(function*() {
    const listed = yield* (yield* RepoReader).listRecords(did, collection, page)
    const records = listed.records.map((record) => {
      const checked = validateRecord(collection, record.value)
      return {
        uri: record.uri,
        rkey: record.uri.split("/").pop() ?? "",
        cid: record.cid,
        value: record.value,
        ...(Either.isLeft(checked) ? { problem: `${checked.left.field || "record"}: ${checked.left.message}`.slice(0, 1000) } : {})
      }
    })
    return { records, ...(listed.cursor !== undefined ? { cursor: listed.cursor } : {}) }
  })
