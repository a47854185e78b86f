/**
 * Real-format `com.atproto.sync.subscribeRepos` #commit frames, built the way a PDS builds them: real repos
 * (@atproto/repo, MST, secp256k1-signed commits), real records, the commit's new and relevant blocks as a CAR,
 * header + body DAG-CBOR. Most commits write app.bsky.* records; a chosen share write app.overlap.slotOffer.
 */
import { encode, toBytes } from "@atcute/cbor"
import { Secp256k1Keypair } from "@atproto/crypto"
import { BlockMap, blocksToCarFile, MemoryBlockstore, Repo, type RecordWriteOp, WriteOpAction } from "@atproto/repo"
import { seededRandom } from "./harness"

export interface GeneratedFrames {
  readonly frames: ReadonlyArray<Uint8Array>
  /** did → did:key of its signing key */
  readonly keys: ReadonlyMap<string, string>
  readonly overlapFrames: number
}

const TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"
const tid = (micros: number, clock: number): string => {
  let n = BigInt(micros) * 1024n + BigInt(clock)
  let out = ""
  for (let i = 0; i < 13; i++) {
    out = TID_CHARS[Number(n & 31n)]! + out
    n >>= 5n
  }
  return out
}

/**
 * `count` commits across `repos` repos; every `overlapEvery`-th commit writes an app.overlap.slotOffer
 * (the rest: posts, likes, follows). Deterministic for a seed (apart from signatures).
 */
export const generateFrames = async (count: number, repos: number, overlapEvery: number, seed = 7): Promise<GeneratedFrames> => {
  const random = seededRandom(seed)
  const keys = new Map<string, string>()
  const state: Array<{ did: string; keypair: Secp256k1Keypair; repo: Repo }> = []
  for (let i = 0; i < repos; i++) {
    const keypair = await Secp256k1Keypair.create()
    const letters = "abcdefghijklmnopqrstuvwxyz"
    const did = `did:plc:${`bench${letters[i % 26]}${letters[Math.floor(i / 26) % 26]}`.padEnd(24, "a")}`
    const repo = await Repo.create(new MemoryBlockstore(), did, keypair)
    keys.set(did, keypair.did())
    state.push({ did, keypair, repo })
  }
  let micros = Date.UTC(2025, 0, 1) * 1000
  const frames: Array<Uint8Array> = []
  let overlapFrames = 0
  for (let seq = 1; seq <= count; seq++) {
    const r = state[Math.floor(random() * state.length)]!
    micros += 1 + Math.floor(random() * 1000)
    const rkey = tid(micros, seq % 1024)
    const createdAt = new Date(micros / 1000).toISOString()
    let write: RecordWriteOp
    if (seq % overlapEvery === 0) {
      overlapFrames++
      write = {
        action: WriteOpAction.Create,
        collection: "app.overlap.slotOffer",
        rkey,
        record: { $type: "app.overlap.slotOffer", start: "2030-01-01T09:00:00.000Z", end: "2030-01-01T17:00:00.000Z", policy: "anyone", tz: "Europe/Berlin", createdAt }
      }
    } else {
      const kind = random()
      write = kind < 0.5
        ? {
          action: WriteOpAction.Create,
          collection: "app.bsky.feed.like",
          rkey,
          record: {
            $type: "app.bsky.feed.like",
            subject: { uri: `at://did:plc:someone/app.bsky.feed.post/${tid(micros - 5_000_000, 1)}`, cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm" },
            createdAt
          }
        }
        : kind < 0.85
        ? {
          action: WriteOpAction.Create,
          collection: "app.bsky.feed.post",
          rkey,
          record: { $type: "app.bsky.feed.post", text: `post ${seq}: ${"lorem ipsum dolor sit amet ".repeat(1 + Math.floor(random() * 8))}`, langs: ["en"], createdAt }
        }
        : {
          action: WriteOpAction.Create,
          collection: "app.bsky.graph.follow",
          rkey,
          record: { $type: "app.bsky.graph.follow", subject: `did:plc:followed${seq}`, createdAt }
        }
    }
    const commit = await r.repo.formatCommit(write, r.keypair)
    r.repo = await r.repo.applyCommit(commit)
    const blocks = new BlockMap()
    blocks.addMap(commit.newBlocks)
    blocks.addMap(commit.relevantBlocks)
    const car = await blocksToCarFile(commit.cid, blocks)
    // the op's CID, as the PDS reports it: what the new MST holds at the path
    const written = await r.repo.data.get(`${write.collection}/${write.rkey}`)
    const header = encode({ op: 1, t: "#commit" })
    const body = encode({
      seq,
      rebase: false,
      tooBig: false,
      repo: r.did,
      commit: { $link: commit.cid.toString() },
      rev: commit.rev,
      since: commit.since,
      blocks: toBytes(car),
      ops: [{ action: "create", path: `${write.collection}/${write.rkey}`, cid: { $link: written!.toString() } }],
      blobs: [],
      time: new Date(micros / 1000).toISOString()
    })
    const frame = new Uint8Array(header.length + body.length)
    frame.set(header, 0)
    frame.set(body, header.length)
    frames.push(frame)
  }
  return { frames, keys, overlapFrames }
}
