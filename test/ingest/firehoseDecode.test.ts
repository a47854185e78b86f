import { decodeAll as refDecodeAll } from "@atproto/lex-cbor"
import { Secp256k1Keypair } from "@atproto/crypto"
import { readCarWithRoot } from "@atproto/repo"
import { describe, expect, it } from "@effect/vitest"
import { encode, toBytes } from "@atcute/cbor"
import { Effect, Either } from "effect"
import { beforeAll } from "vitest"
import { generateFrames, type GeneratedFrames } from "../../bench/firehoseFrames"
import { proveCommitOps } from "../../src/domain/ingest/commitProof"
import { type CommitFrame, decodeFrame, overlapOps } from "../../src/domain/ingest/firehoseFrame"
import { verifyCommit } from "../../src/features/ingest/verifyCommit"
import { intoBatches, MAX_BATCH_BYTES, taskBytes } from "../../src/domain/ingest/indexTaskBatches"
import { makeDidDocument, makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"

// Real commit frames, built as a PDS builds them (bench/firehoseFrames.ts: @atproto/repo, signed commits, CARs),
// decoded by ours and cross-checked against @ipld/dag-cbor + @atproto/repo's CAR reader as a reference.

let generated: GeneratedFrames
beforeAll(async () => {
  generated = await generateFrames(60, 3, 10)
})

const commitOf = (frame: Uint8Array): CommitFrame => {
  const decoded = decodeFrame(frame)
  if (Either.isLeft(decoded) || decoded.right.kind !== "commit") throw new Error("not a commit")
  return decoded.right
}

const frameOf = (header: unknown, body: unknown) => {
  const h = encode(header)
  const b = encode(body)
  const out = new Uint8Array(h.length + b.length)
  out.set(h)
  out.set(b, h.length)
  return out
}

const resolverFor = (keys: ReadonlyMap<string, string>) =>
  makeIdentityResolverTest({ documents: [...keys].map(([did, signingKey]) => makeDidDocument({ did, signingKey })) })

describe("firehose frames", () => {
  it("decodes #commit frames like the reference decoder, and filters by collection before reading blocks", async () => {
    let overlap = 0
    for (const frame of generated.frames) {
      const ours = commitOf(frame)
      // reference: two DAG-CBOR objects back to back
      const [header, body] = [...refDecodeAll(frame)]
      expect(header).toEqual({ op: 1, t: "#commit" })
      const reference = body as unknown as { seq: number; repo: string; rev: string; blocks: Uint8Array; commit: { toString(): string }; ops: Array<{ path: string; cid: { toString(): string } }> }
      expect(ours).toMatchObject({ seq: reference.seq, repo: reference.repo, rev: reference.rev, commit: { $link: reference.commit.toString() } })
      expect(ours.ops.map((o) => [o.path, o.cid?.$link])).toEqual(reference.ops.map((o) => [o.path, o.cid.toString()]))
      const car = await readCarWithRoot(reference.blocks)
      expect(car.root.toString()).toBe(ours.commit.$link)
      if (overlapOps(ours).length > 0) overlap++
    }
    expect(overlap).toBe(generated.overlapFrames)
    expect(overlap).toBe(6)
  })

  it("verifies app.overlap commits (blocks, MST proof, signature) and yields their records", async () => {
    const frame = generated.frames.map(commitOf).find((c) => overlapOps(c).length > 0)!
    const events = await Effect.runPromise(verifyCommit(frame, overlapOps(frame)).pipe(Effect.provide(resolverFor(generated.keys))))
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ _tag: "create", did: frame.repo, collection: "app.overlap.slotOffer", rev: frame.rev, record: { policy: "anyone", tz: "Europe/Berlin" } })
  })

  it("rejects a commit signed by another key (after one forced refresh), a tampered record block, and a foreign op", async () => {
    const frame = generated.frames.map(commitOf).find((c) => overlapOps(c).length > 0)!
    const ops = overlapOps(frame)
    const stranger = await Secp256k1Keypair.create()
    const wrongKey = new Map([[frame.repo, stranger.did()]])
    const signature = await Effect.runPromise(Effect.flip(verifyCommit(frame, ops)).pipe(Effect.provide(resolverFor(wrongKey))))
    expect(signature.reason).toBe("bad-signature")

    // flip a byte inside the record block: its CID no longer matches
    const blocks = new Uint8Array(frame.blocks)
    const recordCid = ops[0]!.cid!.$link
    const car = await readCarWithRoot(frame.blocks)
    const record = car.blocks.get(car.blocks.entries().find((e) => e.cid.toString() === recordCid)!.cid)!
    const at = indexOf(blocks, record)
    blocks[at + record.length - 2] ^= 1
    const tampered = await proveCommitOps({ ...frame, blocks }, ops)
    expect(Either.isLeft(tampered) && tampered.left.reason).toBe("bad-block")

    // an op the signed tree does not contain
    const foreign = await proveCommitOps(frame, [{ action: "create", path: "app.overlap.slotOffer/3zzzzzzzzzzzz", cid: ops[0]!.cid }])
    expect(Either.isLeft(foreign) && foreign.left.reason).toBe("bad-proof")
  })

  it("decodes identity, account, info and error frames", () => {
    expect(decodeFrame(frameOf({ op: 1, t: "#identity" }, { seq: 5, did: "did:plc:x", time: "2025-01-01T00:00:00Z", handle: "x.test" }))).toEqual(
      Either.right({ kind: "identity", seq: 5, did: "did:plc:x", handle: "x.test", time: "2025-01-01T00:00:00Z" })
    )
    expect(decodeFrame(frameOf({ op: 1, t: "#account" }, { seq: 6, did: "did:plc:x", time: "t", active: false, status: "takendown" }))).toEqual(
      Either.right({ kind: "account", seq: 6, did: "did:plc:x", active: false, status: "takendown", time: "t" })
    )
    expect(decodeFrame(frameOf({ op: 1, t: "#info" }, { name: "OutdatedCursor", message: "too old" }))).toEqual(
      Either.right({ kind: "info", name: "OutdatedCursor", message: "too old" })
    )
    expect(decodeFrame(frameOf({ op: -1 }, { error: "FutureCursor", message: "Cursor in the future." }))).toEqual(
      Either.right({ kind: "error", error: "FutureCursor", message: "Cursor in the future." })
    )
    expect(decodeFrame(frameOf({ op: 1, t: "#commit" }, { seq: 1, blocks: toBytes(new Uint8Array(4)) }))._tag).toBe("Left")
    expect(decodeFrame(new Uint8Array([0xff, 0x00]))._tag).toBe("Left")
    expect(decodeFrame(frameOf({ op: 1, t: "#labels" }, { seq: 9 }))).toEqual(Either.right({ kind: "unknown", type: "#labels", seq: 9 }))
  })
})

describe("index-tasks batches", () => {
  it("keeps every batch within 100 messages and 128 KB, in order", () => {
    const task = (n: number, size: number) => ({
      source: "s",
      seenAt: n,
      event: { _tag: "create" as const, did: "did:plc:x", collection: "app.overlap.slotOffer" as const, rkey: `r${n}`, rev: "r", cid: "c", record: { note: "x".repeat(size) } }
    })
    const many = Array.from({ length: 250 }, (_, n) => task(n, 10))
    expect(intoBatches(many).map((b) => b.length)).toEqual([100, 100, 50])
    const big = Array.from({ length: 10 }, (_, n) => task(n, 30_000))
    const batches = intoBatches(big)
    for (const batch of batches) expect(batch.reduce((s, t) => s + taskBytes(t), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES)
    expect(batches.flat().map((t) => t.seenAt)).toEqual(big.map((t) => t.seenAt))
  })
})

const indexOf = (haystack: Uint8Array, needle: Uint8Array): number => {
  outer: for (let i = 0; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

