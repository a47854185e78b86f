import { Effect, Layer } from "effect"
import { AccountSettings } from "../../services/AccountSettings"
import { AtprotoSessions } from "../../services/AtprotoSessions"
import type { WriteOutcome } from "../../services/AtprotoSessions"
import { PdsWriter, PdsWriteFailed, type PdsWriteResult } from "../../services/PdsWriter"

const resultOf = (outcome: WriteOutcome): PdsWriteResult =>
  outcome.status === "written" ? { status: "written", ...(outcome.cid !== undefined ? { cid: outcome.cid } : {}) } : { status: "queued" }
const SKIPPED: PdsWriteResult = { status: "skipped" }

/**
 * PdsWriter through the person's atproto session (their SessionDO, the only holder of their tokens). Writes are
 * idempotent: `put` with a deterministic rkey (and an optional swap CID), `delete` of a missing record succeeds.
 * A PDS that cannot be reached is not a failure — the SessionDO keeps the write in its outbox and retries it —;
 * an ended session (which the SessionDO marks "re-authorize" for the person's page) or a refused record is.
 */
export const PdsWriterLive: Layer.Layer<PdsWriter, never, AtprotoSessions> = Layer.effect(
  PdsWriter,
  Effect.map(AtprotoSessions, (sessions) =>
    PdsWriter.of({
      putRecord: (write) =>
        sessions.write(write.repo, {
          op: "put",
          collection: write.collection,
          rkey: write.rkey,
          record: write.record,
          ...(write.swapRecord !== undefined ? { swapRecord: write.swapRecord } : {})
        }).pipe(
          Effect.map(resultOf),
          Effect.mapError((cause) => new PdsWriteFailed({ collection: write.collection, rkey: write.rkey, cause }))
        ),
      deleteRecord: (write) =>
        sessions.write(write.repo, {
          op: "delete",
          collection: write.collection,
          rkey: write.rkey,
          ...(write.swapRecord !== undefined ? { swapRecord: write.swapRecord } : {})
        }).pipe(
          Effect.map(resultOf),
          Effect.mapError((cause) => new PdsWriteFailed({ collection: write.collection, rkey: write.rkey, cause }))
        )
    }))
)

/**
 * The booking's public record goes out only for a person who turned publishing on (account_settings, off by
 * default: a public record says who meets whom). For everyone else nothing is written and nothing is asked of
 * their PDS.
 */
export const publishedOnly: Layer.Layer<PdsWriter, never, AccountSettings | AtprotoSessions> = Layer.effect(
  PdsWriter,
  Effect.gen(function*() {
    const settings = yield* AccountSettings
    const writer = yield* Effect.provide(PdsWriter, PdsWriterLive)
    const publishing = (repo: string, collection: string, rkey: string) =>
      settings.get(repo).pipe(
        Effect.map((s) => s.publishMeetings),
        Effect.mapError((cause) => new PdsWriteFailed({ collection, rkey, cause }))
      )
    return PdsWriter.of({
      putRecord: (write) =>
        Effect.flatMap(publishing(write.repo, write.collection, write.rkey), (on) => (on ? writer.putRecord(write) : Effect.succeed(SKIPPED))),
      deleteRecord: (write) =>
        Effect.flatMap(publishing(write.repo, write.collection, write.rkey), (on) => (on ? writer.deleteRecord(write) : Effect.succeed(SKIPPED)))
    })
  })
)
