import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import type { IndexTask } from "../../src/domain/ingest/events"
import { indexTaskBatch, retryDelaySeconds } from "../../src/features/ingest/indexTasks"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { IdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { IngestActivityRepoTest } from "../../src/adapters/d1/IngestActivityRepoLive"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { BookingRequestsRepo } from "../../src/services/BookingRequestsRepo"
import { IngestMetricsTest } from "../../src/adapters/memory/IngestMetricsTest"
import { CalendarTaskQueueLive } from "../../src/adapters/queues/CalendarTaskQueueLive"
import { OffersRepo } from "../../src/services/OffersRepo"
import { RepositoryError } from "../../src/services/RepositoryError"
import { UsersRepo } from "../../src/services/UsersRepo"

// The index-tasks consumer over the in-memory repositories: rev order, the match hook, poison and retry.

const host = "did:plc:hosthosthosthosthosthost"
const guest = "did:plc:guestguestguestguestguest"

interface FakeMessage {
  readonly id: string
  readonly body: unknown
  readonly attempts: number
  outcome?: "ack" | { retry: number | undefined }
  ack(): void
  retry(options?: { delaySeconds?: number }): void
}
const message = (body: unknown, attempts = 1): FakeMessage => ({
  id: Math.random().toString(36).slice(2),
  body,
  attempts,
  ack() {
    this.outcome = "ack"
  },
  retry(options) {
    this.outcome = { retry: options?.delaySeconds }
  }
})
const batchOf = (messages: ReadonlyArray<FakeMessage>) => ({ queue: "index-tasks", messages }) as unknown as MessageBatch<unknown>

const offer = (note: string) => ({
  $type: "app.overlap.slotOffer",
  start: "2030-01-01T09:00:00.000Z",
  end: "2030-01-01T10:00:00.000Z",
  policy: "anyone",
  tz: "UTC",
  note,
  createdAt: "2029-12-01T00:00:00.000Z"
})
const task = (event: IndexTask["event"]): IndexTask => ({ source: "test", seenAt: 0, event })
const offerWrite = (_tag: "create" | "update", rkey: string, rev: string, note: string) =>
  task({ _tag, did: host, collection: "app.overlap.slotOffer", rkey, rev, cid: `cid-${rev}`, record: offer(note) })

const makeLayer = (sent: Array<unknown>) => {
  const env = {
    APPVIEW_DID: "did:web:overlap.test",
    CALENDAR_TASKS: { send: async (body: unknown) => void sent.push(body) }
  } as unknown as Env
  const root = CloudflareEnv.layer(env)
  return Layer.mergeAll(RepositoriesTest, IngestActivityRepoTest, IdentityResolverTest, IngestMetricsTest, root, CalendarTaskQueueLive.pipe(Layer.provide(root)))
}

describe("index-tasks consumer", () => {
  it.effect("applies in rev order: a redelivered or reordered older event changes nothing", () => {
    const sent: Array<unknown> = []
    return Effect.gen(function*() {
      const newer = message(offerWrite("update", "o1", "3l0000000000b", "newer"))
      const older = message(offerWrite("create", "o1", "3l0000000000a", "older"))
      const counts = yield* indexTaskBatch(batchOf([newer, older, message(offerWrite("update", "o1", "3l0000000000b", "newer"))]))
      expect(counts).toMatchObject({ applied: 1, unchanged: 2 })
      expect([newer.outcome, older.outcome]).toEqual(["ack", "ack"])
      const row = yield* (yield* OffersRepo).get(`at://${host}/app.overlap.slotOffer/o1`)
      expect(Option.map(row, (r) => [r.note, r.rev])).toEqual(Option.some(["newer", "3l0000000000b"]))
      // a delete at an older rev does not remove the newer row
      yield* indexTaskBatch(batchOf([message(task({ _tag: "delete", did: host, collection: "app.overlap.slotOffer", rkey: "o1", rev: "3l0000000000a" }))]))
      expect(Option.isSome(yield* (yield* OffersRepo).get(`at://${host}/app.overlap.slotOffer/o1`))).toBe(true)
    }).pipe(Effect.provide(makeLayer(sent)))
  })

  it.effect("a new pending bookingRequest record starts the match path once", () => {
    const sent: Array<unknown> = []
    return Effect.gen(function*() {
      const create = task({
        _tag: "create",
        did: guest,
        collection: "app.overlap.bookingRequest",
        rkey: "r1",
        rev: "3l0000000000c",
        cid: "cid-r1",
        record: {
          $type: "app.overlap.bookingRequest",
          hostDid: host,
          constraints: { durationMin: 30, durationMax: 30, tz: "UTC" },
          // the optional event type (issue 15) is indexed for the match-request task
          eventType: "intro",
          status: "pending",
          createdAt: "2029-12-01T00:00:00.000Z"
        }
      })
      yield* indexTaskBatch(batchOf([message(create), message(create)]))
      const uri = `at://${guest}/app.overlap.bookingRequest/r1`
      expect(sent).toEqual([{ kind: "match-request", requestUri: uri }])
      expect(Option.getOrThrow(yield* (yield* BookingRequestsRepo).get(uri)).eventType).toBe("intro")
    }).pipe(Effect.provide(makeLayer(sent)))
  })

  it.effect("acks and audits a poison message; retries with backoff when D1 fails", () => {
    const sent: Array<unknown> = []
    const failingOffers = Layer.effect(
      OffersRepo,
      Effect.map(OffersRepo, (offers) =>
        OffersRepo.of({ ...offers, upsert: () => Effect.fail(new RepositoryError({ operation: "OffersRepo.upsert", cause: new Error("D1 is down") })) })
      )
    )
    return Effect.gen(function*() {
      const garbage = message({ source: "x", event: { _tag: "explode" } })
      const invalid = message(task({ _tag: "create", did: host, collection: "app.overlap.slotOffer", rkey: "bad", rev: "3l0000000000d", cid: "c", record: { ...offer("x"), end: "2029-01-01T00:00:00.000Z" } }))
      const failing = message(offerWrite("create", "o2", "3l0000000000e", "x"), 3)
      const counts = yield* indexTaskBatch(batchOf([garbage, invalid, failing]))
      expect(counts).toMatchObject({ poison: 2, retried: 1 })
      expect(garbage.outcome).toBe("ack")
      expect(invalid.outcome).toBe("ack")
      expect(failing.outcome).toEqual({ retry: retryDelaySeconds(3) })
      expect(retryDelaySeconds(3)).toBe(20)
    }).pipe(Effect.provide(Layer.provideMerge(failingOffers, makeLayer(sent))))
  })

  it.effect("account events: deletion and takedown purge, suspension hides, an older event never overrides a newer one", () => {
    const sent: Array<unknown> = []
    return Effect.gen(function*() {
      yield* indexTaskBatch(batchOf([message(offerWrite("create", "o3", "3l0000000000f", "x"))]))
      const uri = `at://${host}/app.overlap.slotOffer/o3`
      const account = (active: boolean, status: string | null, time: number) => message(task({ _tag: "account", did: host, active, status, time }))
      yield* indexTaskBatch(batchOf([account(true, null, 2_000), account(false, "deactivated", 1_000)]))
      expect(Option.map(yield* (yield* OffersRepo).get(uri), (r) => r.hidden)).toEqual(Option.some(false))
      // suspended: hidden and reversible, nothing deleted
      yield* indexTaskBatch(batchOf([account(false, "suspended", 3_000)]))
      expect(Option.isNone(yield* (yield* OffersRepo).get(uri))).toBe(true)
      expect(Option.map(yield* (yield* OffersRepo).get(uri, { includeHidden: true }), (r) => r.hidden)).toEqual(Option.some(true))
      expect(Option.map(yield* (yield* UsersRepo).get(host), (u) => u.status)).toEqual(Option.some("takendown"))
      expect(sent).toEqual([])
      // takendown: the account goes as a deleted one does (issue 17 item 4), once — a replayed event does nothing more
      yield* indexTaskBatch(batchOf([account(false, "takendown", 4_000)]))
      expect(Option.isNone(yield* (yield* OffersRepo).get(uri, { includeHidden: true }))).toBe(true)
      expect(Option.map(yield* (yield* UsersRepo).get(host), (u) => u.status)).toEqual(Option.some("deleted"))
      // the rest of the account goes through the AppView's calendar-tasks consumer (src/features/account)
      expect(sent).toEqual([{ kind: "account-deleted", did: host }])
      yield* indexTaskBatch(batchOf([account(false, "takendown", 4_000)]))
      expect(sent).toEqual([{ kind: "account-deleted", did: host }])
      yield* indexTaskBatch(batchOf([account(false, "deleted", 5_000)]))
      expect(Option.map(yield* (yield* UsersRepo).get(host), (u) => u.status)).toEqual(Option.some("deleted"))
    }).pipe(Effect.provide(makeLayer(sent)))
  })
})
