import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import type { Layer } from "effect"
import { ConnectorsRepo, type NewConnector } from "../../src/services/ConnectorsRepo"

/**
 * One behavioural suite for ConnectorsRepo, run against D1 inside workerd (connectorsRepo.workerd.test.ts) and
 * against the in-memory layer in Node (connectorsRepo.test.ts), so the fake cannot drift from the real thing.
 */
export const connectorsRepoSuite = (name: string, layer: Layer.Layer<ConnectorsRepo>) => {
  const test = <A, E>(title: string, body: () => Effect.Effect<A, E, ConnectorsRepo>) =>
    it.effect(title, () => Effect.provide(Effect.suspend(body), layer))

  const ALICE = "did:plc:alice000000000000000000"
  const BOB = "did:plc:bob00000000000000000000"
  const sealed = (n: number) => ({ ciphertext: `v1.test-2.wrapped${n}.iv${n}.sealed${n}`, keyId: "test-2" })
  const connector = (id: string, overrides: Partial<NewConnector> = {}): NewConnector => ({
    id,
    did: ALICE,
    provider: "google",
    status: "active",
    accountRef: "alice@example.com",
    sealed: sealed(1),
    tokenExpiresAt: 1_000_000,
    calendars: [{ id: "alice@example.com", name: "Alice", primary: true, checkBusy: true }],
    ...overrides
  })

  describe(`ConnectorsRepo (${name})`, () => {
    test("create / get: the sealed credential comes back exactly as stored, with the calendars", () =>
      Effect.gen(function*() {
        const repo = yield* ConnectorsRepo
        const created = yield* repo.create(connector("c1"))
        expect(created).toMatchObject({
          id: "c1",
          did: ALICE,
          status: "active",
          tokenCiphertext: sealed(1).ciphertext,
          keyId: "test-2",
          tokenExpiresAt: 1_000_000,
          holdsTarget: false,
          lastSyncAt: null
        })
        expect(created.calendars).toEqual([{ id: "alice@example.com", name: "Alice", primary: true, checkBusy: true }])
        expect(Option.getOrThrow(yield* repo.get("c1"))).toEqual(created)
        expect(yield* repo.get("nope")).toEqual(Option.none())
        expect(yield* Effect.flip(repo.create(connector("c1")))).toMatchObject({ _tag: "ConnectorAlreadyExists", id: "c1" })
        const pending = yield* repo.create(connector("c2", { status: "pending", sealed: null, tokenExpiresAt: null, accountRef: null, calendars: [] }))
        expect(pending).toMatchObject({ tokenCiphertext: null, keyId: null, accountRef: null, calendars: [] })
      }))

    test("listForDid: oldest first, one user only, removed ones only when asked", () =>
      Effect.gen(function*() {
        const repo = yield* ConnectorsRepo
        yield* repo.create(connector("b"))
        yield* TestClock.adjust(10)
        yield* repo.create(connector("a", { provider: "caldav", accountRef: "https://dav.example.com/" }))
        yield* repo.create(connector("x", { did: BOB }))
        expect((yield* repo.listForDid(ALICE)).map((c) => c.id)).toEqual(["b", "a"])
        yield* repo.remove("b")
        expect((yield* repo.listForDid(ALICE)).map((c) => c.id)).toEqual(["a"])
        expect((yield* repo.listForDid(ALICE, { includeRemoved: true })).map((c) => c.id)).toEqual(["b", "a"])
      }))

    test("setStatus: with `from`, only from those states (so a connector is marked broken once); never revives a removed one", () =>
      Effect.gen(function*() {
        const repo = yield* ConnectorsRepo
        yield* repo.create(connector("c1"))
        const broken = yield* repo.setStatus("c1", "broken", ["active", "pending"])
        expect(Option.getOrThrow(broken).status).toBe("broken")
        expect(yield* repo.setStatus("c1", "broken", ["active", "pending"])).toEqual(Option.none())
        expect(Option.getOrThrow(yield* repo.setStatus("c1", "active")).status).toBe("active")
        yield* repo.remove("c1")
        expect(yield* repo.setStatus("c1", "active")).toEqual(Option.none())
        expect(yield* repo.setStatus("missing", "active")).toEqual(Option.none())
      }))

    test("updateTokens / updateAccount / markSynced; remove deletes the credential", () =>
      Effect.gen(function*() {
        const repo = yield* ConnectorsRepo
        yield* repo.create(connector("c1"))
        yield* repo.updateTokens("c1", sealed(2), 2_000_000)
        yield* repo.updateAccount("c1", { accountRef: "a@example.com", calendars: [{ id: "cal", name: "Cal", checkBusy: false }] })
        yield* repo.markSynced("c1", 1_234)
        expect(Option.getOrThrow(yield* repo.get("c1"))).toMatchObject({
          tokenCiphertext: sealed(2).ciphertext,
          tokenExpiresAt: 2_000_000,
          accountRef: "a@example.com",
          calendars: [{ id: "cal", name: "Cal", checkBusy: false }],
          lastSyncAt: 1_234
        })
        expect(yield* Effect.flip(repo.updateTokens("missing", sealed(3), null))).toMatchObject({ _tag: "ConnectorNotFound" })
        yield* repo.setHoldsTarget(ALICE, "c1")
        yield* repo.remove("c1")
        expect(Option.getOrThrow(yield* repo.get("c1"))).toMatchObject({
          status: "removed",
          tokenCiphertext: null,
          keyId: null,
          tokenExpiresAt: null,
          holdsTarget: false
        })
      }))

    test("setHoldsTarget: exactly one connector of the user takes the holds", () =>
      Effect.gen(function*() {
        const repo = yield* ConnectorsRepo
        yield* repo.create(connector("c1"))
        yield* repo.create(connector("c2"))
        yield* repo.create(connector("x", { did: BOB }))
        yield* repo.setHoldsTarget(BOB, "x")
        yield* repo.setHoldsTarget(ALICE, "c1")
        yield* repo.setHoldsTarget(ALICE, "c2")
        const flags = (yield* repo.listForDid(ALICE)).map((c) => [c.id, c.holdsTarget])
        expect(flags).toEqual([["c1", false], ["c2", true]])
        expect(Option.getOrThrow(yield* repo.get("x")).holdsTarget).toBe(true)
        expect(yield* Effect.flip(repo.setHoldsTarget(BOB, "c1"))).toMatchObject({ _tag: "ConnectorNotFound" })
      }))

    test("listExpiring (active only, soonest first) and listActiveByProvider (paged by id)", () =>
      Effect.gen(function*() {
        const repo = yield* ConnectorsRepo
        yield* repo.create(connector("late", { tokenExpiresAt: 5_000 }))
        yield* repo.create(connector("soon", { tokenExpiresAt: 1_000 }))
        yield* repo.create(connector("far", { tokenExpiresAt: 99_000 }))
        yield* repo.create(connector("off", { tokenExpiresAt: 500, status: "broken" }))
        expect((yield* repo.listExpiring(10_000, 10)).map((c) => c.id)).toEqual(["soon", "late"])
        yield* TestClock.adjust(100)
        yield* repo.create(connector("p2", { status: "pending" }))
        expect((yield* repo.listPending(50, 10)).map((c) => c.id)).toEqual([])
        expect((yield* repo.listPending(100, 10)).map((c) => c.id)).toEqual(["p2"])
        for (const id of ["d3", "d1", "d2"]) yield* repo.create(connector(id, { provider: "caldav", tokenExpiresAt: null }))
        yield* repo.create(connector("d0", { provider: "caldav", status: "broken" }))
        expect((yield* repo.listActiveByProvider("caldav", 2)).map((c) => c.id)).toEqual(["d1", "d2"])
        expect((yield* repo.listActiveByProvider("caldav", 2, "d2")).map((c) => c.id)).toEqual(["d3"])
      }))

    test("warning: none at first, set, replaced and cleared; a missing row is left alone", () =>
      Effect.gen(function*() {
        const repo = yield* ConnectorsRepo
        expect((yield* repo.create(connector("c1", { provider: "caldav" }))).warning).toBeNull()
        yield* repo.setWarning("c1", "1 recurring event counts as busy")
        expect(Option.getOrThrow(yield* repo.get("c1")).warning).toBe("1 recurring event counts as busy")
        yield* repo.setWarning("c1", "2 recurring events count as busy")
        expect(Option.getOrThrow(yield* repo.get("c1")).warning).toBe("2 recurring events count as busy")
        yield* repo.setWarning("c1", null)
        expect(Option.getOrThrow(yield* repo.get("c1")).warning).toBeNull()
        yield* repo.setWarning("missing", "x")
        expect(yield* repo.get("missing")).toEqual(Option.none())
      }))

    test("sync tokens: per connector calendar, replaced, cleared", () =>
      Effect.gen(function*() {
        const repo = yield* ConnectorsRepo
        yield* repo.create(connector("c1", { provider: "caldav" }))
        expect(yield* repo.getSyncToken("c1", "https://dav/cal/")).toEqual(Option.none())
        yield* repo.setSyncToken("c1", "https://dav/cal/", "http://radicale.org/ns/sync/1")
        yield* repo.setSyncToken("c1", "https://dav/cal/", "http://radicale.org/ns/sync/2")
        expect(yield* repo.getSyncToken("c1", "https://dav/cal/")).toEqual(Option.some("http://radicale.org/ns/sync/2"))
        yield* repo.setSyncToken("c1", "https://dav/cal/", null)
        expect(yield* repo.getSyncToken("c1", "https://dav/cal/")).toEqual(Option.none())
      }))
  })
}
