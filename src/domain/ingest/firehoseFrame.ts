import { decode, decodeFirst } from "@atcute/cbor"
import { Either, Schema } from "effect"
import { isOverlapCollection } from "./events"

/**
 * `com.atproto.sync.subscribeRepos` frames: two DAG-CBOR objects back to back, a header
 * `{ op: 1, t: "#commit" }` (or `{ op: -1 }` for an error) and the body
 * (https://atproto.com/specs/event-stream). Decoded with @atcute/cbor, which runs in workerd and
 * hands back `bytes` as views over the frame (no copies) and CID links as lazily-stringified wrappers.
 */

export class FrameInvalid extends Schema.TaggedError<FrameInvalid>()("FrameInvalid", {
  message: Schema.String
}) {}

/** A CID link as @atcute/cbor decodes it. */
export interface CidLinkValue {
  readonly $link: string
}

export interface RepoOp {
  readonly action: "create" | "update" | "delete"
  readonly path: string
  /** New record CID (null for a delete). */
  readonly cid: CidLinkValue | null
  readonly prev?: CidLinkValue | null
}

export interface CommitFrame {
  readonly kind: "commit"
  readonly seq: number
  readonly repo: string
  readonly rev: string
  readonly since: string | null
  readonly time: string
  readonly commit: CidLinkValue
  /** A CAR slice: the signed commit, the changed MST nodes and the new record blocks. */
  readonly blocks: Uint8Array
  readonly ops: ReadonlyArray<RepoOp>
  readonly tooBig: boolean
}

export type FirehoseFrame =
  | CommitFrame
  | { readonly kind: "sync"; readonly seq: number; readonly did: string; readonly rev: string; readonly blocks: Uint8Array; readonly time: string }
  | { readonly kind: "identity"; readonly seq: number; readonly did: string; readonly handle: string | null; readonly time: string }
  | {
    readonly kind: "account"
    readonly seq: number
    readonly did: string
    readonly active: boolean
    readonly status: string | null
    readonly time: string
  }
  /** `#info`, e.g. OutdatedCursor: the cursor was older than the server's backfill window. */
  | { readonly kind: "info"; readonly name: string; readonly message: string | null }
  /** An error frame (`op: -1`): FutureCursor, ConsumerTooSlow, …; the server closes the stream after it. */
  | { readonly kind: "error"; readonly error: string; readonly message: string | null }
  /** A message type this code does not know (the spec says: ignore it). */
  | { readonly kind: "unknown"; readonly type: string; readonly seq: number | null }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)
const str = (v: unknown): string | null => (typeof v === "string" ? v : null)
const int = (v: unknown): number | null => (typeof v === "number" && Number.isSafeInteger(v) ? v : null)
const isLink = (v: unknown): v is CidLinkValue => isObject(v) && "$link" in v
const bytesOf = (v: unknown): Uint8Array | null =>
  isObject(v) && v.buf instanceof Uint8Array ? v.buf : v instanceof Uint8Array ? v : null

const bad = (message: string) => Either.left(new FrameInvalid({ message }))

const readOps = (value: unknown): ReadonlyArray<RepoOp> | null => {
  if (!Array.isArray(value)) return null
  for (const op of value) {
    if (!isObject(op) || typeof op.path !== "string") return null
    if (op.action !== "create" && op.action !== "update" && op.action !== "delete") return null
    if (op.cid !== null && !isLink(op.cid)) return null
  }
  return value as ReadonlyArray<RepoOp>
}

const decodeBody = (type: string, body: Record<string, unknown>): Either.Either<FirehoseFrame, FrameInvalid> => {
  switch (type) {
    case "#commit": {
      const seq = int(body.seq)
      const repo = str(body.repo)
      const rev = str(body.rev)
      const blocks = bytesOf(body.blocks)
      const ops = readOps(body.ops)
      if (seq === null || repo === null || rev === null || blocks === null || ops === null || !isLink(body.commit)) {
        return bad("#commit is missing seq, repo, rev, commit, blocks or ops")
      }
      return Either.right({
        kind: "commit",
        seq,
        repo,
        rev,
        since: str(body.since),
        time: str(body.time) ?? "",
        commit: body.commit,
        blocks,
        ops,
        tooBig: body.tooBig === true
      })
    }
    case "#sync": {
      const seq = int(body.seq)
      const did = str(body.did)
      const rev = str(body.rev)
      const blocks = bytesOf(body.blocks)
      if (seq === null || did === null || rev === null || blocks === null) return bad("#sync is missing seq, did, rev or blocks")
      return Either.right({ kind: "sync", seq, did, rev, blocks, time: str(body.time) ?? "" })
    }
    case "#identity": {
      const seq = int(body.seq)
      const did = str(body.did)
      if (seq === null || did === null) return bad("#identity is missing seq or did")
      return Either.right({ kind: "identity", seq, did, handle: str(body.handle), time: str(body.time) ?? "" })
    }
    case "#account": {
      const seq = int(body.seq)
      const did = str(body.did)
      if (seq === null || did === null || typeof body.active !== "boolean") return bad("#account is missing seq, did or active")
      return Either.right({ kind: "account", seq, did, active: body.active, status: str(body.status), time: str(body.time) ?? "" })
    }
    case "#info": {
      const name = str(body.name)
      if (name === null) return bad("#info is missing name")
      return Either.right({ kind: "info", name, message: str(body.message) })
    }
    default:
      return Either.right({ kind: "unknown", type, seq: int(body.seq) })
  }
}

/** Decodes one binary frame. Never throws: a frame that is not DAG-CBOR of the expected shape is a FrameInvalid. */
export const decodeFrame = (frame: Uint8Array): Either.Either<FirehoseFrame, FrameInvalid> => {
  let header: unknown
  let body: unknown
  try {
    const [h, rest] = decodeFirst(frame)
    header = h
    body = decode(rest)
  } catch (error) {
    return bad(`not a DAG-CBOR frame: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (!isObject(header) || !isObject(body)) return bad("frame header or body is not a map")
  if (header.op === -1) {
    return Either.right({ kind: "error", error: str(body.error) ?? "Unknown", message: str(body.message) })
  }
  if (header.op !== 1 || typeof header.t !== "string") return bad("frame header has no op 1 / t")
  return decodeBody(header.t, body)
}

/** The ops of a commit that touch app.overlap.* records: the filter that runs before any record block is read. */
export const overlapOps = (commit: CommitFrame): ReadonlyArray<RepoOp> => {
  let found: Array<RepoOp> | undefined
  for (const op of commit.ops) {
    if (isOverlapCollection(op.path)) (found ??= []).push(op)
  }
  return found ?? []
}

/** The sequence number a frame moves the cursor to (null for frames without one: info, errors). */
export const seqOf = (frame: FirehoseFrame): number | null =>
  frame.kind === "info" || frame.kind === "error" ? null : frame.kind === "unknown" ? frame.seq : frame.seq
