import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import type { IndexTask } from "../../src/domain/ingest/events"
import { indexTaskBatch } from "../../src/features/ingest/indexTasks"
import { offerView } from "../../src/features/matching/matchingViews"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { IdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { IngestActivityRepoTest } from "../../src/adapters/d1/IngestActivityRepoLive"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { IngestMetricsTest } from "../../src/adapters/memory/IngestMetricsTest"
import { CalendarTaskQueueLive } from "../../src/adapters/queues/CalendarTaskQueueLive"
import { OffersRepo } from "../../src/services/OffersRepo"
import { EventTypesRepo } from "../../src/services/EventTypesRepo"

// Weekly slotOffer records (issue 15 item 1) through the index-tasks consumer: indexed with their hours,
// answered by getOffers' view; a bad weekly record is skipped and counted as poison; an old one is as before.

const host = "did:plc:hosthosthosthosthosthost"

const acked: Array<string> = []
const message = (body: unknown) => ({
  id: Math.random().toString(36).slice(2),
  body,
  attempts: 1,
  ack() {
    acked.push(this.id)
  },
  retry() {}
})
const batchOf = (messages: ReadonlyArray<ReturnType<typeof message>>) => ({ queue: "index-tasks", messages }) as unknown as MessageBatch<unknown>
const write = (rkey: string, record: unknown): IndexTask => ({
  source: "test",
  seenAt: 0,
  event: { _tag: "create", did: host, collection: "app.overlap.slotOffer", rkey, rev: "3l0000000000a", cid: `cid-${rkey}`, record }
})

const layer = () => {
  const env = { APPVIEW_DID: "did:web:overlap.test", CALENDAR_TASKS: { send: async () => {} } } as unknown as Env
  const root = CloudflareEnv.layer(env)
  return Layer.mergeAll(RepositoriesTest, IngestActivityRepoTest, IdentityResolverTest, IngestMetricsTest, root, CalendarTaskQueueLive.pipe(Layer.provide(root)))
}

const single = {
  $type: "app.overlap.slotOffer",
  start: "2030-01-07T08:00:00.000Z",
  end: "2030-01-07T11:00:00.000Z",
  policy: "anyone",
  tz: "Europe/Berlin",
  createdAt: "2029-12-01T00:00:00.000Z"
}
// Mondays and Wednesdays 09:00–12:00 and 13:00–17:00 Berlin time, from 7 January to the end of March 2030
const weekly = {
  ...single,
  weekly: [
    { days: ["monday", "wednesday"], start: "09:00", end: "12:00" },
    { days: ["monday", "wednesday"], start: "13:00", end: "17:00" }
  ],
  validFrom: "2030-01-07T00:00:00.000Z",
  validUntil: "2030-04-01T00:00:00.000Z"
}

describe("weekly slotOffer records at ingest", () => {
  it.effect("a weekly record is indexed with its hours and validity; an old single-window record as before", () =>
    Effect.gen(function*() {
      const counts = yield* indexTaskBatch(batchOf([message(write("weekly", weekly)), message(write("single", single))]))
      expect(counts).toMatchObject({ applied: 2 })
      const offers = yield* OffersRepo
      const w = Option.getOrThrow(yield* offers.get(`at://${host}/app.overlap.slotOffer/weekly`))
      expect([w.weekly, w.validFrom, w.validUntil]).toEqual([weekly.weekly, Date.parse(weekly.validFrom), Date.parse(weekly.validUntil)])
      expect(offerView(w)).toMatchObject({ start: single.start, end: single.end, weekly: weekly.weekly, validFrom: weekly.validFrom, validUntil: weekly.validUntil })
      const s = Option.getOrThrow(yield* offers.get(`at://${host}/app.overlap.slotOffer/single`))
      expect([s.weekly, s.validFrom, s.validUntil, s.startAt, s.endAt]).toEqual([null, null, null, Date.parse(single.start), Date.parse(single.end)])
      const view = offerView(s)
      expect(Object.keys(view)).not.toContain("weekly")
      expect(Object.keys(view)).not.toContain("validFrom")
    }).pipe(Effect.provide(layer())))

  it.effect("bad weekly records are skipped, acknowledged and counted as poison; nothing is indexed", () =>
    Effect.gen(function*() {
      const bad = [
        { ...weekly, weekly: [{ days: ["monday"], start: "9am", end: "12:00" }] },
        { ...weekly, weekly: [{ days: ["monday"], start: "12:00", end: "12:00" }] },
        { ...weekly, validUntil: "2029-01-01T00:00:00.000Z" },
        { ...single, validFrom: "2030-01-01T00:00:00.000Z" },
        { ...weekly, weekly: [] }
      ]
      const messages = bad.map((record, i) => message(write(`bad${i}`, record)))
      const counts = yield* indexTaskBatch(batchOf(messages))
      expect(counts).toMatchObject({ poison: bad.length })
      for (const m of messages) expect(acked).toContain(m.id)
      const page = yield* (yield* OffersRepo).listByHost({ did: host, limit: 10 })
      expect(page.items).toEqual([])
    }).pipe(Effect.provide(layer())))
})

describe("eventType records at ingest", () => {
  const eventType = {
    $type: "app.overlap.eventType",
    name: "Intro call",
    slug: "intro",
    durations: [45, 15],
    location: { $type: "app.overlap.defs#locationConference", provider: "googleMeet" },
    policy: "follower",
    offers: [`at://${host}/app.overlap.slotOffer/weekly`],
    createdAt: "2029-12-01T00:00:00.000Z"
  }
  const typeWrite = (rkey: string, record: unknown): IndexTask => ({
    source: "test",
    seenAt: 0,
    event: { _tag: "create", did: host, collection: "app.overlap.eventType", rkey, rev: "3l0000000000a", cid: `cid-${rkey}`, record }
  })

  it.effect("an event type is indexed under its slug (durations ascending); a delete removes it", () =>
    Effect.gen(function*() {
      const counts = yield* indexTaskBatch(batchOf([message(typeWrite("intro", eventType))]))
      expect(counts).toMatchObject({ applied: 1 })
      const repo = yield* EventTypesRepo
      const row = Option.getOrThrow(yield* repo.getBySlug(host, "intro"))
      expect([row.uri, row.durations, row.policy, row.offers, row.location]).toEqual([
        `at://${host}/app.overlap.eventType/intro`, [15, 45], "follower", eventType.offers, eventType.location
      ])
      yield* indexTaskBatch(batchOf([message({ source: "test", seenAt: 0, event: { _tag: "delete", did: host, collection: "app.overlap.eventType", rkey: "intro", rev: "3l0000000000b" } })]))
      expect(Option.isNone(yield* repo.getBySlug(host, "intro"))).toBe(true)
    }).pipe(Effect.provide(layer())))

  it.effect("bad event types are poison: a slug that is not the record key, a bad slug, repeated lengths, an http video link", () =>
    Effect.gen(function*() {
      const bad = [
        typeWrite("other", eventType),
        typeWrite("Intro", { ...eventType, slug: "Intro" }),
        typeWrite("intro", { ...eventType, durations: [30, 30] }),
        typeWrite("intro", { ...eventType, location: { $type: "app.overlap.defs#locationVideo", url: "http://video.example/x" } }),
        typeWrite("intro", { ...eventType, durations: [] })
      ]
      const counts = yield* indexTaskBatch(batchOf(bad.map(message)))
      expect(counts).toMatchObject({ poison: bad.length })
      expect(yield* (yield* EventTypesRepo).listByHost(host)).toEqual([])
    }).pipe(Effect.provide(layer())))
})
