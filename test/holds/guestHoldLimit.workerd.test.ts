import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test"
import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { HoldStoreLive } from "../../src/adapters/objects/HoldStoreLive"
import { LocalCalendarLive } from "../../src/adapters/d1/LocalCalendarLive"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import type { MatchRequest } from "../../src/domain/holds/matchRequest"
import { type ControllableHostMatchDO as HostMatchDO, useCalendarProvider } from "../support/appviewTestWorker"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { Held, HoldStore, PendingMatch } from "../../src/services/HoldStore"
import { DAY, guestDidOf, hostDidOf, matchRequest, mondayAfter } from "./fixtures"

// Issue 12, item 1, through the front door of the host's object: HoldStore Live → the real HostMatchDO
// (SQLite ledger, alarm, RPC encoding of the refusal). One guest has at most one live hold per host by default.
const runtime = ManagedRuntime.make(
  Layer.mergeAll(HoldStoreLive, RepositoriesLive, LocalCalendarLive.pipe(Layer.provide(D1Live))).pipe(
    Layer.provide(CloudflareEnv.layer(env))
  )
)
afterAll(() => runtime.dispose())
const matchEither = (request: MatchRequest) => runtime.runPromise(Effect.flatMap(HoldStore, (store) => Effect.either(store.match(request))))
const holds = <A, E>(f: (store: HoldStore["Type"]) => Effect.Effect<A, E>) => runtime.runPromise(Effect.flatMap(HoldStore, f))
const stubOf = (hostDid: string) => env.HOST_MATCH.get(env.HOST_MATCH.idFromName(hostDid)) as unknown as DurableObjectStub<HostMatchDO>

const monday = mondayAfter(Date.now())
const host = hostDidOf("limit")
const guest = guestDidOf(7)
const ask = (bookingId: string, extra: Partial<MatchRequest> = {}): MatchRequest => ({
  ...matchRequest({ hostDid: host, guestDid: guest, bookingId, earliest: monday, latest: monday + 3 * DAY }),
  ...extra
})
const heldOf = (result: Either.Either<unknown, unknown>): Held => {
  if (Either.isLeft(result) || !(result.right instanceof Held)) throw new Error(`expected a hold, got ${JSON.stringify(result)}`)
  return result.right
}

describe("HostMatchDO: one guest, one live hold per host", () => {
  it("refuses a second booking of the guest with TooManyHolds (409); a retry of the first is its hold; another guest is held", async () => {
    const first = heldOf(await matchEither(ask("lim-1")))
    const second = await matchEither(ask("lim-2"))
    expect(second).toMatchObject({ _tag: "Left", left: { _tag: "TooManyHolds" } })
    if (Either.isLeft(second) && second.left._tag === "TooManyHolds") expect(second.left.message).toContain("already hold")
    expect(heldOf(await matchEither(ask("lim-1")))).toEqual(first)
    heldOf(await matchEither(ask("other-1", { guestDid: guestDidOf(8) })))
    const stored = await runInDurableObject(stubOf(host), (_, state) =>
      state.storage.sql.exec<{ booking_id: string } & Record<string, SqlStorageValue>>("SELECT booking_id FROM holds ORDER BY booking_id").toArray())
    expect(stored.map((r) => r.booking_id)).toEqual(["lim-1", "other-1"])
    // the refused match left nothing in D1 either
    const rows = await env.DB.prepare("SELECT id FROM bookings WHERE host_did = ? ORDER BY id").bind(host).all<{ id: string }>()
    expect(rows.results.map((r) => r.id)).toEqual(["lim-1", "other-1"])
  })

  it("after the hold expires (the object's alarm) or is released, the guest may hold again", async () => {
    const hostB = hostDidOf("limit-b")
    heldOf(await matchEither(ask("exp-1", { hostDid: hostB, holdTtlMs: 1_000 })))
    expect(await matchEither(ask("exp-2", { hostDid: hostB }))).toMatchObject({ _tag: "Left", left: { _tag: "TooManyHolds" } })
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    await runDurableObjectAlarm(stubOf(hostB))
    heldOf(await matchEither(ask("exp-2", { hostDid: hostB })))
    await holds((store) => store.release(hostB, "exp-2"))
    heldOf(await matchEither(ask("exp-3", { hostDid: hostB })))
  })

  it("a pending match resumed from its token meets the limit too (failed: TooManyHolds)", async () => {
    const hostC = hostDidOf("limit-c")
    const control = new CalendarProviderTestControl()
    await runInDurableObject(stubOf(hostC), (instance) => instance[useCalendarProvider](calendarProviderTestLayer(control)))
    control.configure(guest, { failBusy: "rate-limited", retryAfterMs: 5_000 })
    const pending = await matchEither(ask("tok-1", { hostDid: hostC }))
    if (Either.isLeft(pending) || !(pending.right instanceof PendingMatch)) throw new Error("expected a pending match")
    control.configure(guest, {})
    heldOf(await matchEither(ask("tok-2", { hostDid: hostC })))
    const status = await holds((store) => store.resumeMatch((pending.right as PendingMatch).token))
    expect(status).toMatchObject({ _tag: "failed", failure: "TooManyHolds" })
    expect(control.holdsOf(hostC)).toHaveLength(1)
  })
})
