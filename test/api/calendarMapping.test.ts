import { Clock, Duration, Effect, Layer, ManagedRuntime } from "effect"
import { afterEach, beforeAll, describe, expect, it } from "vitest"
import { AnalyticsTest } from "../../src/adapters/memory/AnalyticsTest"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { makeRateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { makeSocialGraphTest } from "../../src/adapters/memory/SocialGraphTest"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { defaultRateLimits } from "../../src/domain/rateLimits"
import { HoldStoreInProcess } from "../../src/features/matching/HoldStoreInProcess"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { OffersRepo } from "../../src/services/OffersRepo"
import { RateLimiter } from "../../src/services/RateLimiter"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "./xrpcTestKit"

// Issue 12, items 3 and 4: getAvailability cannot map a host's calendar. Answers are no more precise than
// the grid (lengths up a ladder, bounds to whole hours), and every answer about a host's free time spends a
// per-(guest, host) budget and — for strangers — a per-host budget all strangers share.
// Through the real XRPC handler over in-memory layers; the rate limiter's clock can be moved forward.

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const CELL = 15 * MIN
/** Midnight UTC, at least three days ahead: the offers lie beyond the minimum notice for the whole test. */
const DAY0 = Math.ceil((Date.now() + 3 * DAY) / DAY) * DAY
const iso = (ms: number) => new Date(ms).toISOString()
/** The host's offers: five days, 08:00–18:00 UTC, tier `anyone`. */
const WEEK_DAYS = 5
const OPEN = 8 * HOUR
const CLOSE = 18 * HOUR

let host: TestAccount, friend: TestAccount
const crowd: Array<TestAccount> = []
/** did:plc names are base32: letters only. */
const letters = "abcdefghijklmnopqrstuvwxyz"

beforeAll(async () => {
  ;[host, friend] = await Promise.all(["cmhost", "cmfriend"].map((n) => makeAccount(n)))
  crowd.push(...await Promise.all(Array.from({ length: 40 }, (_, i) => makeAccount(`cmstranger${letters[i % 26]}${letters[Math.floor(i / 26)]}`))))
})

/** The limiter's clock runs `shift.ms` ahead of real time, so a test can let a day of refills pass. */
const shiftedLimiter = (shift: { ms: number }) => {
  const base = Clock.make()
  const now = () => Date.now() + shift.ms
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: now,
    unsafeCurrentTimeNanos: () => BigInt(now()) * 1_000_000n,
    currentTimeMillis: Effect.sync(now),
    currentTimeNanos: Effect.sync(() => BigInt(now()) * 1_000_000n),
    sleep: (duration: Duration.Duration) => base.sleep(duration)
  }
  return Layer.effect(
    RateLimiter,
    Effect.map(RateLimiter, (inner) => RateLimiter.of({
      limits: inner.limits,
      take: (subject, methodClass, cost) => inner.take(subject, methodClass, cost).pipe(Effect.withClock(clock))
    }))
  ).pipe(Layer.provide(makeRateLimiterTest()))
}

interface World {
  readonly xrpc: XrpcHandler
  readonly calendars: CalendarProviderTestControl
  readonly shift: { ms: number }
  readonly dispose: () => Promise<void>
}

const makeWorld = async (): Promise<World> => {
  const shift = { ms: 0 }
  const calendars = new CalendarProviderTestControl()
  const calendar = calendarProviderTestLayer(calendars)
  const services = Layer.mergeAll(
    RepositoriesTest,
    serviceAuthFor([host, friend, ...crowd])(RepositoriesTest),
    shiftedLimiter(shift),
    TurnstileTest,
    makeSocialGraphTest({ follows: [[host.did, friend.did], [friend.did, host.did]], blocks: [] }),
    calendar,
    HoldStoreInProcess.pipe(Layer.provide(Layer.merge(calendar, RepositoriesTest))),
    AnalyticsTest,
    makeIdentityResolverTest()
  )
  const runtime = ManagedRuntime.make(services)
  const context = await runtime.runtime()
  const xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext(context.context)))
  await runtime.runPromise(Effect.gen(function*() {
    const offers = yield* OffersRepo
    for (let d = 0; d < WEEK_DAYS; d++) {
      yield* offers.upsert({
        uri: `at://${host.did}/app.overlap.slotOffer/d${d}`, did: host.did, rkey: `d${d}`,
        cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm", rev: "3l000000000002",
        startAt: DAY0 + d * DAY + OPEN, endAt: DAY0 + d * DAY + CLOSE, policy: "anyone", tz: "UTC", note: null, createdAt: Date.now()
      })
    }
  }))
  return { xrpc, calendars, shift, dispose: async () => { await xrpc.dispose(); await runtime.dispose() } }
}

const availability = async (world: World, as: TestAccount, params: Record<string, string>) => {
  const url = new URL("http://appview.test/xrpc/app.overlap.getAvailability")
  for (const [k, v] of Object.entries({ host: host.did, tz: "UTC", ...params })) url.searchParams.set(k, v)
  const response = await world.xrpc.handle(new Request(url, {
    headers: { authorization: `Bearer ${await as.token("app.overlap.getAvailability")}` }
  }))
  const body = await response.json() as { slots?: Array<{ start: string; end: string }>; error?: string; message?: string }
  return { status: response.status, body }
}

let world: World
afterEach(async () => world?.dispose())

describe("answers carry no more than the grid can say (item 4: no minute edges)", () => {
  it("01:00–01:07 and 01:00–01:08, 7 and 8 minutes, a bound moved by a minute: the same answer", async () => {
    world = await makeWorld()
    const d = DAY0
    // Busy from 09:07 to 10:00, and from 12:08 on for an hour.
    world.calendars.setBusy(host.did, [{ start: d + 9 * HOUR + 7 * MIN, end: d + 10 * HOUR }, { start: d + 12 * HOUR + 8 * MIN, end: d + 13 * HOUR }])
    // A day passes on the limiter's clock before each question: these compare answers, not budgets.
    const ask = async (as: TestAccount, p: Record<string, string>) => {
      world.shift.ms += DAY
      const r = await availability(world, as, p)
      expect(r.status).toBe(200)
      return r.body.slots
    }
    const at = (h: number, m: number) => iso(d + h * HOUR + m * MIN)
    // Before the fix: latest 09:07 with 7 minutes answered 09:00–09:07; latest 09:08 with 8 minutes answered nothing.
    const edge7 = await ask(crowd[0]!, { durationMin: "7", earliest: at(9, 0), latest: at(9, 7) })
    const edge8 = await ask(crowd[1]!, { durationMin: "8", earliest: at(9, 0), latest: at(9, 8) })
    expect(edge7).toEqual(edge8)
    expect(edge7).toEqual([])
    // 7 and 8 minutes from 09:00 over the day: the same slots, every one a ladder length on the grid.
    const long7 = await ask(crowd[2]!, { durationMin: "7", earliest: at(9, 0), latest: at(17, 0) })
    const long8 = await ask(crowd[3]!, { durationMin: "8", earliest: at(9, 0), latest: at(17, 0) })
    expect(long7).toEqual(long8)
    for (const slot of long7!) {
      expect(Date.parse(slot.start) % CELL).toBe(0)
      expect(Date.parse(slot.end) - Date.parse(slot.start)).toBe(15 * MIN)
    }
    // The busy start at 09:07 shows only as "09:00 is not free" (a 15-minute cell), never as 09:07.
    expect(long7!.map((s) => s.start)).not.toContain(at(9, 0))
    // Moving `latest` or `earliest` by a minute changes nothing.
    const late = await ask(crowd[4]!, { durationMin: "30", earliest: at(11, 0), latest: at(12, 37) })
    const later = await ask(crowd[5]!, { durationMin: "30", earliest: at(11, 0), latest: at(12, 38) })
    expect(late).toEqual(later)
    const early = await ask(crowd[6]!, { durationMin: "30", earliest: at(11, 59), latest: at(14, 0) })
    const earlier = await ask(crowd[7]!, { durationMin: "30", earliest: at(11, 58), latest: at(14, 0) })
    expect(early).toEqual(earlier)
    // Above the ladder, whole hours: 91 minutes is asked as 120.
    world.shift.ms += DAY
    const long = await availability(world, friend, { durationMin: "91", earliest: at(14, 0), latest: at(18, 0) })
    expect(long.body.slots!.map((s) => Date.parse(s.end) - Date.parse(s.start))).toEqual(long.body.slots!.map(() => 120 * MIN))
    expect(long.body.slots!.length).toBeGreaterThan(0)
    // An inverted range is still a 400 naming the field.
    const inverted = await availability(world, friend, { durationMin: "30", earliest: at(14, 0), latest: at(13, 0) })
    expect([inverted.status, inverted.body.error]).toEqual([400, "InvalidConstraints"])
  })
})

describe("match answers on the grid too (item 4)", () => {
  const holdFor = async (durationMin: number, latestMin: number) => {
    world = await makeWorld()
    const d = DAY0
    world.calendars.setBusy(host.did, [{ start: d + 9 * HOUR + 7 * MIN, end: d + 10 * HOUR }])
    const guest = crowd[0]!
    const response = await world.xrpc.handle(new Request("http://appview.test/xrpc/app.overlap.match", {
      method: "POST",
      headers: {
        authorization: `Bearer ${await guest.token("app.overlap.match")}`,
        "content-type": "application/json",
        "idempotency-key": `calendar-mapping-${durationMin}-${latestMin}-abcdef`
      },
      body: JSON.stringify({
        hostDid: host.did,
        constraints: { durationMin, durationMax: durationMin, tz: "UTC", earliest: iso(d + 9 * HOUR), latest: iso(d + 9 * HOUR + latestMin * MIN) }
      })
    }))
    const body = await response.json() as { result?: { slot: { start: string; end: string } }; error?: string }
    await world.dispose()
    world = undefined as unknown as World
    return [response.status, body.result?.slot ?? body.error]
  }

  it("7 and 8 minutes hold the same slot; a range ending 09:07 or 09:08 gets the same refusal", async () => {
    // Before the fix: 09:00–09:07 held for 7 minutes, 10:00–10:08 for 8; latest 09:07 held, 09:08 refused.
    const seven = await holdFor(7, 180)
    expect(seven).toEqual(await holdFor(8, 180))
    // (the slot also carries its guest- and host-zone forms, issue 15 item 6)
    expect(seven).toEqual([200, expect.objectContaining({ start: iso(DAY0 + 10 * HOUR), end: iso(DAY0 + 10 * HOUR + 15 * MIN) })])
    const edge7 = await holdFor(7, 7)
    expect(edge7).toEqual(await holdFor(8, 8))
    expect(edge7).toEqual([409, "NoSlotAvailable"])
  })
})

describe("the information budget per (guest, host) and per host", () => {
  it("a guest gets HOST_BUDGET_BURST answers about one host; strangers share one bucket per host; a friend keeps theirs", async () => {
    world = await makeWorld()
    const params = { durationMin: "30", earliest: iso(DAY0), latest: iso(DAY0 + DAY) }
    const burst = defaultRateLimits.hostBudget.capacity
    for (let i = 0; i < burst; i++) expect((await availability(world, friend, params)).status).toBe(200)
    const refused = await availability(world, friend, params)
    expect([refused.status, refused.body.error]).toEqual([429, "RateLimited"])
    expect(refused.body.message).toMatch(/information budget for this host/)
    // Fresh DIDs: each has its own (guest, host) bucket, but all strangers together get the host's shared bucket.
    const shared = defaultRateLimits.hostStrangers.capacity
    for (let i = 0; i < shared; i++) expect((await availability(world, crowd[i]!, params)).status).toBe(200)
    const next = await availability(world, crowd[shared]!, params)
    expect([next.status, next.body.error]).toEqual([429, "RateLimited"])
    // A day later the friend may ask again (their own bucket refilled), whatever strangers did.
    world.shift.ms = DAY
    expect((await availability(world, friend, params)).status).toBe(200)
  })
})

/** A deterministic pseudo-random sequence (mulberry32). */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}

/** Every 15-minute cell of the offered week (start instants). */
const weekCells = (): Array<number> => {
  const cells: Array<number> = []
  for (let d = 0; d < WEEK_DAYS; d++) for (let t = OPEN; t < CLOSE; t += CELL) cells.push(DAY0 + d * DAY + t)
  return cells
}

/** Busy blocks of 1–8 cells starting with probability 0.2 per free cell: about 40 % of the week busy. */
const randomBusy = (seed: number): Set<number> => {
  const next = random(seed)
  const busy = new Set<number>()
  const cells = weekCells()
  for (let i = 0; i < cells.length; i++) {
    if (next() < 0.2) {
      const length = 1 + Math.floor(next() * 8)
      for (let k = 0; k < length && i < cells.length; k++, i++) busy.add(cells[i]!)
    }
  }
  return busy
}

/**
 * THE BOUND (default limits): an adversary who spends every answer the budget allows in one day — with as many
 * fresh DIDs as they like — pins down at most MAX_PINNED_SHARE of the host's busy 15-minute cells of a week
 * (about 40 % of the week busy, in blocks). That first day holds the burst and a day of refills (8 answers); each
 * later day has 4. Measured: 7–31 %, depending on the pattern and the range length. Before the fix: all of them,
 * in about 24 answers.
 */
const MAX_PINNED_SHARE = 0.35

/**
 * The adversary. An answer names at most five free slots and all of them when there are at most five, so
 * the only sound inference is from an answer with fewer than five: every offered cell of its range not
 * answered is busy. (Before the fix the five *earliest* were answered, and a cursor moved past the fifth
 * mapped a week in about 24 answers; now the five are spread over the range, so a full answer pins nothing.)
 * So it asks ranges of `spanHours` whole hours, 15-minute meetings, one range after the other, a fresh DID
 * each time, and when refused comes back an hour later — for one day of the limiter's clock.
 */
const playAdversary = async (world: World, spanHours: number) => {
  const cells = weekCells()
  const pinned = new Set<number>()
  const ranges: Array<number> = []
  for (let d = 0; d < WEEK_DAYS; d++) for (let t = OPEN; t < CLOSE; t += spanHours * HOUR) ranges.push(DAY0 + d * DAY + t)
  let asked = 0
  let refusals = 0
  let who = 0
  for (let elapsed = 0, next = 0; elapsed <= DAY && next < ranges.length;) {
    world.shift.ms = elapsed
    const from = ranges[next]!
    const until = Math.min(from + spanHours * HOUR, Math.floor(from / DAY) * DAY + CLOSE)
    const res = await availability(world, crowd[who++ % crowd.length]!, { durationMin: "15", earliest: iso(from), latest: iso(until) })
    if (res.status === 429) {
      refusals++
      elapsed += HOUR
      continue
    }
    expect(res.status).toBe(200)
    asked++
    next++
    const starts = res.body.slots!.map((slot) => Date.parse(slot.start))
    if (starts.length < 5) for (const cell of cells) if (cell >= from && cell < until && !starts.includes(cell)) pinned.add(cell)
  }
  return { pinned, asked, refusals }
}

describe("an adversary who uses up the budget cannot map the calendar (item 3)", () => {
  it(`pins down at most ${MAX_PINNED_SHARE * 100} % of a week's busy 15-minute cells per day of queries`, async () => {
    for (const seed of [1, 2]) {
      for (const spanHours of [1, 2, 3]) {
        world = await makeWorld()
        const busy = randomBusy(seed)
        world.calendars.setBusy(host.did, [...busy].map((start) => ({ start, end: start + CELL })))
        const { asked, pinned, refusals } = await playAdversary(world, spanHours)
        // The inference is sound (every pinned cell is busy) …
        for (const cell of pinned) expect(busy.has(cell)).toBe(true)
        // … and the budget, not the end of the week, stopped it.
        expect(refusals).toBeGreaterThan(0)
        const share = pinned.size / busy.size
        console.info(`seed ${seed}, ${spanHours} h ranges: ${busy.size} busy cells, ${asked} answers in a day, ${pinned.size} pinned (${(share * 100).toFixed(1)} %)`)
        expect(share).toBeLessThanOrEqual(MAX_PINNED_SHARE)
        await world.dispose()
        world = undefined as unknown as World
      }
    }
  }, 120_000)
})
