import { verifySignature } from "@atproto/crypto"
import { Effect, Either } from "effect"
import { type CommitRejection, proveCommitOps, recordJson, type SignedCommit, unsignedCommitBytes } from "../../domain/ingest/commitProof"
import { type IngestEvent, isIndexedCollection, splitRecordPath } from "../../domain/ingest/events"
import type { CommitFrame, RepoOp } from "../../domain/ingest/firehoseFrame"
import { IdentityResolver } from "../../services/IdentityResolver"

const checkSignature = (didKey: string, commit: SignedCommit): Effect.Effect<boolean> =>
  Effect.tryPromise(() => verifySignature(didKey, unsignedCommitBytes(commit), commit.sig)).pipe(
    Effect.orElseSucceed(() => false)
  )

/**
 * Verifies an `app.overlap.*` commit from the firehose and turns its ops into ingest events: blocks and MST
 * proofs (`proveCommitOps`), then the signature against the repo DID's `#atproto` key from IdentityResolver.
 * A signature that does not verify gets one forced key refresh (the key may have rotated), then the commit is
 * rejected. A DID document that cannot be fetched (IdentityUnavailable) is the transient `identity-unavailable`
 * rejection: the caller parks the commit and verifies it again later. Records come out in lexicon JSON form; collections the index does not keep are dropped here.
 */
export const verifyCommit = (
  frame: CommitFrame,
  ops: ReadonlyArray<RepoOp>
): Effect.Effect<ReadonlyArray<IngestEvent>, CommitRejection, IdentityResolver> =>
  Effect.gen(function*() {
    const proven = yield* Effect.promise(() => proveCommitOps(frame, ops)).pipe(Effect.flatMap(Either.match({
      onLeft: (rejection) => Effect.fail(rejection),
      onRight: Effect.succeed
    })))
    const identity = yield* IdentityResolver
    const keyOf = (forceRefresh: boolean) =>
      identity.getSigningKey(frame.repo, { forceRefresh }).pipe(
        Effect.mapError((error): CommitRejection => ({
          reason: error._tag === "IdentityUnavailable" ? "identity-unavailable" : "no-signing-key",
          message: `${error._tag}: ${error.message}`
        }))
      )
    let valid = yield* checkSignature(yield* keyOf(false), proven.commit)
    if (!valid) valid = yield* checkSignature(yield* keyOf(true), proven.commit)
    if (!valid) return yield* Effect.fail<CommitRejection>({ reason: "bad-signature", message: `commit ${frame.rev} of ${frame.repo}` })

    const events: Array<IngestEvent> = []
    for (const { op, recordBlock } of proven.ops) {
      const path = splitRecordPath(op.path)
      if (path === undefined || !isIndexedCollection(path.collection)) continue
      const ref = { did: frame.repo, collection: path.collection, rkey: path.rkey, rev: frame.rev }
      if (op.action === "delete") {
        events.push({ _tag: "delete", ...ref })
      } else if (recordBlock !== null && op.cid !== null) {
        let record: unknown
        try {
          record = recordJson(recordBlock)
        } catch {
          record = null // fails validation downstream: skipped and counted like any invalid record
        }
        events.push({ _tag: op.action, ...ref, cid: op.cid.$link, record })
      }
    }
    return events
  })
