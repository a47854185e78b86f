import { fromUint8Array } from "@atcute/car"
import { decode, encode } from "@atcute/cbor"
import * as CID from "@atcute/cid"
import { Either } from "effect"
import type { CidLinkValue, CommitFrame, RepoOp } from "./firehoseFrame"

/**
 * What a `#commit` frame proves about its records, checked without trusting the relay:
 *   - every block used is the block its CID names (sha-256 over the bytes);
 *   - the signed commit names the repo DID and rev of the frame; its signature is checked by the caller
 *     against the DID's signing key (`unsignedCommitBytes` is what was signed);
 *   - each op's path leads, through the MST under the signed commit's `data`, to the op's CID (or, for a
 *     delete, to nothing), so a relay cannot attach an old or foreign record to a fresh signature.
 */

export type CommitRejection =
  | { readonly reason: "bad-car"; readonly message: string }
  | { readonly reason: "bad-commit"; readonly message: string }
  | { readonly reason: "bad-block"; readonly message: string }
  | { readonly reason: "missing-block"; readonly message: string }
  | { readonly reason: "bad-proof"; readonly message: string }
  | { readonly reason: "bad-signature"; readonly message: string }
  | { readonly reason: "no-signing-key"; readonly message: string }
  /** The DID document could not be fetched (timeout, 5xx, unreachable): not a verdict on the commit; retried later. */
  | { readonly reason: "identity-unavailable"; readonly message: string }

/** A rejection that says nothing about the commit itself: the commit is parked and verified again later, never dropped. */
export const isTransientRejection = (rejection: CommitRejection): boolean => rejection.reason === "identity-unavailable"

export interface SignedCommit {
  readonly did: string
  readonly version: number
  readonly data: CidLinkValue
  readonly rev: string
  readonly prev: CidLinkValue | null
  readonly sig: Uint8Array
}

export interface CommitCar {
  readonly roots: ReadonlyArray<string>
  /** CID string → block bytes (views over the frame). */
  readonly blocks: ReadonlyMap<string, Uint8Array>
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)
const isLink = (v: unknown): v is CidLinkValue => isObject(v) && "$link" in v

export const readCommitCar = (bytes: Uint8Array): Either.Either<CommitCar, CommitRejection> => {
  try {
    const reader = fromUint8Array(bytes)
    const blocks = new Map<string, Uint8Array>()
    for (const entry of reader) blocks.set(CID.toString(entry.cid), entry.bytes)
    return Either.right({ roots: reader.roots.map((r) => r.$link), blocks })
  } catch (error) {
    return Either.left({ reason: "bad-car", message: error instanceof Error ? error.message : String(error) })
  }
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The block named `cid`, after checking that its bytes hash to it. */
export const verifiedBlock = async (car: CommitCar, cid: string): Promise<Either.Either<Uint8Array, CommitRejection>> => {
  const bytes = car.blocks.get(cid)
  if (bytes === undefined) return Either.left({ reason: "missing-block", message: `block ${cid} is not in the commit` })
  let expected: CID.Cid
  try {
    expected = CID.fromString(cid)
  } catch {
    return Either.left({ reason: "bad-block", message: `${cid} is not a CID` })
  }
  if (expected.digest.codec !== CID.HASH_SHA256) return Either.left({ reason: "bad-block", message: `${cid} is not sha-256` })
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))
  return equalBytes(digest, expected.digest.contents)
    ? Either.right(bytes)
    : Either.left({ reason: "bad-block", message: `block ${cid} does not hash to its CID` })
}

/** Decodes the signed commit object (repo format v2/v3). */
export const decodeSignedCommit = (bytes: Uint8Array): Either.Either<SignedCommit, CommitRejection> => {
  let value: unknown
  try {
    value = decode(bytes)
  } catch (error) {
    return Either.left({ reason: "bad-commit", message: `commit block is not DAG-CBOR: ${String(error)}` })
  }
  if (!isObject(value)) return Either.left({ reason: "bad-commit", message: "commit block is not a map" })
  const sig = isObject(value.sig) && value.sig.buf instanceof Uint8Array ? value.sig.buf : null
  if (
    typeof value.did !== "string" || typeof value.rev !== "string" || typeof value.version !== "number" ||
    !isLink(value.data) || (value.prev !== null && value.prev !== undefined && !isLink(value.prev)) || sig === null
  ) {
    return Either.left({ reason: "bad-commit", message: "commit block lacks did, version, data, rev or sig" })
  }
  return Either.right({
    did: value.did,
    version: value.version,
    data: value.data,
    rev: value.rev,
    prev: (value.prev as CidLinkValue | null | undefined) ?? null,
    sig
  })
}

/** The bytes the repo's key signed: the commit without `sig`, DAG-CBOR (canonical key order). */
export const unsignedCommitBytes = (commit: SignedCommit): Uint8Array =>
  encode({ did: commit.did, version: commit.version, data: commit.data, rev: commit.rev, prev: commit.prev })

// ------------------------------------------------------------------------------------------------
// MST lookup (https://atproto.com/specs/repository#mst-structure): node = { l: CID | null, e: [{ p, k, v, t }] },
// keys prefix-compressed against the previous entry of the same node.

interface MstEntry {
  readonly p: number
  readonly k: { readonly buf: Uint8Array }
  readonly v: CidLinkValue
  readonly t: CidLinkValue | null
}

const latin1 = new TextDecoder("latin1")

/**
 * Follows `key` (collection/rkey) from the MST root through blocks of the commit, each hash-checked.
 * Right(cid) when the key is in the tree, Right(null) when the tree proves it absent.
 */
export const mstLookup = async (
  car: CommitCar,
  root: string,
  key: string
): Promise<Either.Either<string | null, CommitRejection>> => {
  let nodeCid: string | null = root
  for (let depth = 0; nodeCid !== null; depth++) {
    if (depth > 64) return Either.left({ reason: "bad-proof", message: "MST deeper than 64 levels" })
    const block = await verifiedBlock(car, nodeCid)
    if (Either.isLeft(block)) return Either.left(block.left)
    let node: unknown
    try {
      node = decode(block.right)
    } catch {
      return Either.left({ reason: "bad-proof", message: `MST node ${nodeCid} is not DAG-CBOR` })
    }
    if (!isObject(node) || !Array.isArray(node.e)) return Either.left({ reason: "bad-proof", message: `MST node ${nodeCid} is malformed` })
    const entries = node.e as ReadonlyArray<MstEntry>
    let previous = ""
    let next: CidLinkValue | null = isLink(node.l) ? node.l : null
    let found: string | null | undefined
    for (const entry of entries) {
      if (!isObject(entry) || typeof entry.p !== "number" || !isObject(entry.k) || !isLink(entry.v)) {
        return Either.left({ reason: "bad-proof", message: `MST node ${nodeCid} has a malformed entry` })
      }
      const entryKey = previous.slice(0, entry.p) + latin1.decode(entry.k.buf)
      previous = entryKey
      if (entryKey === key) {
        found = entry.v.$link
        break
      }
      if (entryKey > key) break
      next = isLink(entry.t) ? entry.t : null
    }
    if (found !== undefined) return Either.right(found)
    nodeCid = next === null ? null : next.$link
  }
  return Either.right(null)
}

/** A record operation the commit proves, with the record's block for creates and updates. */
export interface ProvenOp {
  readonly op: RepoOp
  readonly recordBlock: Uint8Array | null
}

/**
 * Everything about an overlap commit except the signature: CAR root = frame.commit, commit names the frame's
 * repo and rev, and every op is proven by the MST. Returns the signed commit (for the signature check) and the ops.
 */
export const proveCommitOps = async (
  frame: CommitFrame,
  ops: ReadonlyArray<RepoOp>
): Promise<Either.Either<{ readonly commit: SignedCommit; readonly ops: ReadonlyArray<ProvenOp> }, CommitRejection>> => {
  const car = readCommitCar(frame.blocks)
  if (Either.isLeft(car)) return Either.left(car.left)
  const commitBlock = await verifiedBlock(car.right, frame.commit.$link)
  if (Either.isLeft(commitBlock)) return Either.left(commitBlock.left)
  const commit = decodeSignedCommit(commitBlock.right)
  if (Either.isLeft(commit)) return Either.left(commit.left)
  if (commit.right.did !== frame.repo || commit.right.rev !== frame.rev) {
    return Either.left({ reason: "bad-commit", message: "signed commit does not match the frame's repo/rev" })
  }
  const proven: Array<ProvenOp> = []
  for (const op of ops) {
    const inTree = await mstLookup(car.right, commit.right.data.$link, op.path)
    if (Either.isLeft(inTree)) return Either.left(inTree.left)
    if (op.action === "delete") {
      if (inTree.right !== null) return Either.left({ reason: "bad-proof", message: `${op.path} is still in the tree after its delete` })
      proven.push({ op, recordBlock: null })
      continue
    }
    if (op.cid === null || inTree.right !== op.cid.$link) {
      return Either.left({ reason: "bad-proof", message: `${op.path} does not lead to ${op.cid?.$link ?? "a record"} in the tree` })
    }
    const record = await verifiedBlock(car.right, op.cid.$link)
    if (Either.isLeft(record)) return Either.left(record.left)
    proven.push({ op, recordBlock: record.right })
  }
  return Either.right({ commit: commit.right, ops: proven })
}

/** Decodes a record block into its lexicon JSON form ($link / $bytes), as the index and validators take it. */
export const recordJson = (block: Uint8Array): unknown => JSON.parse(JSON.stringify(decode(block)))
