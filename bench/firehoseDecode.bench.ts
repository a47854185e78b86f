/**
 * Issue 5, "Done when": decode-and-filter throughput of the firehose path on one core, over real-format frames
 * where about 0.1% are app.overlap.* commits and the rest app.bsky.*: target ≥ 20,000 events/s.
 * Per frame: header + body DAG-CBOR (@atcute/cbor), the collection filter on op paths; for the app.overlap.*
 * commits also the CAR, block hashes, MST proof, the secp256k1 signature and the lexicon validation — everything
 * FirehoseDO does before a task is queued, except the queue itself.
 * The lag from a PDS commit to the D1 row is bench/firehoseLag.bench.ts.
 */
import { verifySignature } from "@atproto/crypto"
import { Either } from "effect"
import { proveCommitOps, recordJson, unsignedCommitBytes } from "../src/domain/ingest/commitProof"
import { decodeFrame, overlapOps } from "../src/domain/ingest/firehoseFrame"
import { validateRecord } from "../src/domain/recordValidation"
import { generateFrames } from "./firehoseFrames"
import { measure } from "./harness"

const UNIQUE = 5_000
const STREAM = 100_000
const started = Date.now()
const { frames, keys, overlapFrames } = await generateFrames(UNIQUE, 50, 1_000)
console.log(`generated ${UNIQUE} real commit frames (${overlapFrames} app.overlap.*) over 50 repos in ${Date.now() - started} ms; ` +
  `mean frame ${Math.round(frames.reduce((n, f) => n + f.length, 0) / frames.length)} bytes`)

let accepted = 0
let filteredOut = 0

const decodeAndFilter = async (frame: Uint8Array): Promise<void> => {
  const decoded = decodeFrame(frame)
  if (Either.isLeft(decoded) || decoded.right.kind !== "commit") throw new Error("bench frame did not decode")
  const commit = decoded.right
  const ops = overlapOps(commit)
  if (ops.length === 0) {
    filteredOut++
    return
  }
  const proven = await proveCommitOps(commit, ops)
  if (Either.isLeft(proven)) throw new Error(`proof failed: ${proven.left.message}`)
  const valid = await verifySignature(keys.get(commit.repo)!, unsignedCommitBytes(proven.right.commit), proven.right.commit.sig)
  if (!valid) throw new Error("signature did not verify")
  for (const { op, recordBlock } of proven.right.ops) {
    if (Either.isLeft(validateRecord(op.path.split("/")[0]!, recordJson(recordBlock!)))) throw new Error("record invalid")
    accepted++
  }
}

const stream = async () => {
  for (let i = 0; i < STREAM; i++) {
    const frame = frames[i % UNIQUE]!
    const result = decodeAndFilter(frame)
    // filtered frames finish synchronously; await only the verified ones
    await result
  }
}

const m = await measure({
  name: "firehose decode + filter (+ verify app.overlap.*)",
  inputs: `${STREAM.toLocaleString("en")} #commit frames (${UNIQUE} unique, cycled), ${(overlapFrames / UNIQUE * 100).toFixed(1)}% app.overlap.slotOffer, rest app.bsky.feed.post/like/graph.follow; one core`,
  warmup: 1,
  iterations: 5,
  fn: stream
})
console.log(`  → ${Math.round(STREAM / (m.median / 1000)).toLocaleString("en")} events/s (median run; target ≥ 20,000), ` +
  `p90 run ${Math.round(STREAM / (m.p90 / 1000)).toLocaleString("en")} events/s; verified ${accepted} app.overlap records, filtered ${filteredOut} frames`)
