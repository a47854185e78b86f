import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Ref } from "effect"
import { toConnectorView } from "../../src/features/connectors/connectorView"
import { DEFAULT_EXPANSION_LIMITS } from "../../src/domain/calendar/expansionBudget"
import type { CalendarChanged } from "../../src/domain/calendar/calendarTask"
import { handleCalendarChanged } from "../../src/features/connectors/calendarChanged"
import { refreshConnectors } from "../../src/features/connectors/refreshConnectors"
import { CalendarTaskQueue } from "../../src/services/CalendarTaskQueue"
import { makeCalendarTaskQueueTest } from "../../src/adapters/memory/CalendarTaskQueueTest"
import { makeUserConnectorEngine } from "../../src/features/connectors/UserConnectorEngine"
import { BookingsRepoTest } from "../../src/adapters/memory/BookingsRepoTest"
import { BookingsRepo } from "../../src/services/BookingsRepo"
import { ConnectorsRepo } from "../../src/services/ConnectorsRepo"
import { HoldStore } from "../../src/services/HoldStore"
import { UserConnectors } from "../../src/services/UserConnectors"
import { connectorHarness } from "../support/connectorHarness"
import { type Radicale, startRadicale } from "../support/radicale"
import { singleEvent } from "./icsFixtures"

/**
 * CalDAV connectors end to end against a real Radicale: connect (discovery through /.well-known/caldav, one
 * busy query, sealed credentials), the refresh-oauth cron's sync-collection poll (RFC 6578), re-checking
 * holds against the rest of the calendar, and the calendar-changed consumer releasing a clashing hold.
 */

let radicale: Radicale
let startFailure: unknown
beforeAll(async () => {
  await startRadicale().then((server) => (radicale = server), (error: unknown) => (startFailure = error))
})
afterAll(async () => {
  await radicale?.stop()
})
const started = Effect.suspend(() => (startFailure === undefined ? Effect.void : Effect.die(startFailure)))

const HOUR = 3_600_000
// 10:00–11:00 Berlin on Tuesday 3 March 2026 (UTC+1)
const T10 = Date.UTC(2026, 2, 3, 9)

let counter = 0
const did = () => `did:plc:caldav${String(++counter).padStart(14, "0")}`

const withEngine = <A, E>(body: (h: ReturnType<typeof connectorHarness>) => Effect.Effect<A, E, Layer.Layer.Success<ReturnType<typeof connectorHarness>["layer"]>>) =>
  Effect.gen(function*() {
    yield* started
    const h = connectorHarness({})
    return yield* Effect.provide(body(h), h.layer)
  })

const credentials = () => ({ serverUrl: radicale.url, username: radicale.username, password: radicale.password })

const put = (calendarUrl: string, name: string, ics: string) => Effect.promise(() => radicale.putObject(calendarUrl, name, ics))

describe("CalDAV connectors", () => {
  it.live("connect: discovery, one busy query, the app password sealed (never stored as given)", () =>
    withEngine(() =>
      Effect.gen(function*() {
        const calendarUrl = yield* Effect.promise(() => radicale.makeCalendar("connect"))
        const owner = did()
        const engine = yield* makeUserConnectorEngine(owner)
        const connector = yield* engine.connectCaldav(credentials())
        expect(connector).toMatchObject({ provider: "caldav", status: "active", accountRef: radicale.url })
        expect(connector.calendars).toContainEqual({ id: calendarUrl, name: "connect", checkBusy: true })
        expect(connector.tokenCiphertext).toMatch(/^v1\./)
        expect(connector.tokenCiphertext).not.toContain(radicale.password)
        expect(connector.tokenCiphertext).not.toContain(radicale.username)
        const repo = yield* ConnectorsRepo
        expect(Option.isSome(yield* repo.getSyncToken(connector.id, calendarUrl))).toBe(true)

        const refused = yield* Effect.flip(engine.connectCaldav({ ...credentials(), password: "wrong-password" }))
        expect(refused).toMatchObject({ _tag: "CaldavConnectFailed", reason: "credentials" })
        const insecure = yield* Effect.flip(engine.connectCaldav({ ...credentials(), serverUrl: "http://dav.example.com/" }))
        expect(insecure).toMatchObject({ _tag: "CaldavConnectFailed", reason: "insecure-url" })
        expect(yield* repo.listForDid(owner)).toHaveLength(1)
      })))

  it.live("the cron polls each calendar with its sync token and reports a change only when there is one", () =>
    withEngine(() =>
      Effect.gen(function*() {
        const owner = did()
        const engine = yield* makeUserConnectorEngine(owner)
        const connector = yield* engine.connectCaldav(credentials())
        const calendarUrl = connector.calendars[0]!.id
        expect((yield* engine.maintain).changed).toEqual([])
        yield* put(calendarUrl, `poll-${counter}.ics`, singleEvent(`poll-${counter}`, "20260303T140000", "20260303T150000"))
        expect((yield* engine.maintain).changed).toEqual([connector.id])
        expect((yield* engine.maintain).changed).toEqual([])
        const repo = yield* ConnectorsRepo
        expect(Option.getOrThrow(yield* repo.get(connector.id)).lastSyncAt).not.toBeNull()
      })))

  it.live("refresh-oauth cron: a changed CalDAV calendar becomes a calendar-changed task", () =>
    withEngine(() =>
      Effect.gen(function*() {
        const queue = yield* makeCalendarTaskQueueTest
        const owner = did()
        const connector = yield* (yield* UserConnectors).connectCaldav(owner, credentials())
        const cron = refreshConnectors.pipe(Effect.provideService(CalendarTaskQueue, queue.service))
        expect((yield* cron).changed).toBe(0)
        yield* put(connector.calendars[0]!.id, `cron-${counter}.ics`, singleEvent(`cron-${counter}`, "20260304T140000", "20260304T150000"))
        const summary = yield* cron
        expect(summary.changed).toBeGreaterThanOrEqual(1)
        expect(yield* Ref.get(queue.sent)).toContainEqual(expect.objectContaining({ kind: "calendar-changed", did: owner, connectorId: connector.id, provider: "caldav" }))
      })))

  it.live("a hold clashes only with something else: the hold itself is not a clash, a new event over it is", () =>
    withEngine(() =>
      Effect.gen(function*() {
        const calendarUrl = yield* Effect.promise(() => radicale.makeCalendar(`clash-${counter}`))
        const owner = did()
        const engine = yield* makeUserConnectorEngine(owner)
        const connector = yield* engine.connectCaldav(credentials())
        // Only the new calendar counts, and it takes the holds.
        const repo = yield* ConnectorsRepo
        yield* repo.updateAccount(connector.id, {
          accountRef: connector.accountRef,
          calendars: connector.calendars.map((c) => ({ ...c, checkBusy: c.id === calendarUrl }))
        })
        const fresh = yield* makeUserConnectorEngine(owner)
        const bookingId = `bk-clash-${counter}`
        const ref = yield* fresh.placeHold({ bookingId, start: T10, end: T10 + HOUR, tz: "Europe/Berlin", summary: "Overlap: meeting (held)" })
        expect(ref.calendarId).toBe(calendarUrl)
        expect(yield* fresh.busy({ start: T10 - HOUR, end: T10 + 2 * HOUR })).toEqual([{ start: T10, end: T10 + HOUR }])
        const check = [{ bookingId, start: T10, end: T10 + HOUR }]
        expect(yield* fresh.findConflicts(check)).toEqual([])
        // Back to back is not a clash; 10:30–11:30 is.
        yield* put(calendarUrl, "after.ics", singleEvent("after", "20260303T110000", "20260303T120000"))
        expect(yield* fresh.findConflicts(check)).toEqual([])
        yield* put(calendarUrl, "over.ics", singleEvent("over", "20260303T103000", "20260303T113000"))
        expect(yield* fresh.findConflicts(check)).toEqual([bookingId])
      })))

  // Radicale itself spins on FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31 (its time-range filter expands the rule), so the
  // hostile rules here are ones it serves: a rule ical.js refuses, and an ordinary one under a tight step limit
  // (test/connectors/hostileRecurrence.test.ts has the rules that never end).
  it.live("a recurring event Overlap cannot expand fails closed for its whole span and is reported on the connector", () =>
    withEngine(() =>
      Effect.gen(function*() {
        const calendarUrl = yield* Effect.promise(() => radicale.makeCalendar(`hostile-${counter}`))
        const owner = did()
        const engine = yield* makeUserConnectorEngine(owner)
        const connector = yield* engine.connectCaldav(credentials())
        const repo = yield* ConnectorsRepo
        yield* repo.updateAccount(connector.id, {
          accountRef: connector.accountRef,
          calendars: connector.calendars.map((c) => ({ ...c, checkBusy: c.id === calendarUrl }))
        })
        yield* put(calendarUrl, "lunch.ics", singleEvent("lunch", "20260303T120000", "20260303T130000"))
        // RFC 5545 forbids BYMONTHDAY in a WEEKLY rule; ical.js refuses to expand it (it used to fail the whole calendar).
        yield* put(calendarUrl, "weekly.ics", singleEvent("weekly", "20260303T150000", "20260303T153000", ["RRULE:FREQ=WEEKLY;BYMONTHDAY=3"]))
        const fresh = yield* makeUserConnectorEngine(owner)
        const range = { start: T10 - HOUR, end: T10 + 24 * HOUR }
        expect(yield* fresh.busy(range)).toEqual([{ start: T10 + 2 * HOUR, end: T10 + 3 * HOUR }, { start: T10 + 5 * HOUR, end: range.end }])
        const warned = Option.getOrThrow(yield* repo.get(connector.id))
        expect(warned.status).toBe("active")
        expect(warned.warning).toBe(
          `1 recurring event counts as busy for its whole span: Overlap could not expand it within its limits. ` +
            `${new URL(calendarUrl).pathname}: 1 (a rule that is not valid iCalendar). Edit or delete it to free that time.`
        )
        expect(toConnectorView(warned).warning).toBe(warned.warning)

        // The owner fixes the event: the next busy read expands it and clears the warning.
        yield* put(calendarUrl, "weekly.ics", singleEvent("weekly", "20260303T150000", "20260303T153000", ["RRULE:FREQ=WEEKLY;COUNT=2"]))
        yield* fresh.calendarChanged(connector.id)
        expect(yield* fresh.busy(range)).toEqual([{ start: T10 + 2 * HOUR, end: T10 + 3 * HOUR }, { start: T10 + 5 * HOUR, end: T10 + 5 * HOUR + HOUR / 2 }])
        const cleared = Option.getOrThrow(yield* repo.get(connector.id))
        expect(cleared.warning).toBeNull()
        expect(toConnectorView(cleared)).not.toHaveProperty("warning")
      })))

  it.live("the expansion limits are settings: under a tight step limit an ordinary daily series fails closed and is reported", () =>
    Effect.gen(function*() {
      yield* started
      const h = connectorHarness({ settings: { expansionLimits: { ...DEFAULT_EXPANSION_LIMITS, maxStepsPerSeries: 50 } } })
      yield* Effect.gen(function*() {
        const calendarUrl = yield* Effect.promise(() => radicale.makeCalendar(`tight-${counter}`))
        const owner = did()
        const engine = yield* makeUserConnectorEngine(owner)
        const connector = yield* engine.connectCaldav(credentials())
        const repo = yield* ConnectorsRepo
        yield* repo.updateAccount(connector.id, {
          accountRef: connector.accountRef,
          calendars: connector.calendars.map((c) => ({ ...c, checkBusy: c.id === calendarUrl }))
        })
        // Daily since 2020 with a COUNT: walked from its first instance, about 2,250 steps to reach March 2026.
        yield* put(calendarUrl, "daily.ics", singleEvent("daily", "20200101T090000", "20200101T091500", ["RRULE:FREQ=DAILY;COUNT=100000"]))
        const fresh = yield* makeUserConnectorEngine(owner)
        const range = { start: T10 - HOUR, end: T10 + 24 * HOUR }
        expect(yield* fresh.busy(range)).toEqual([range])
        expect(Option.getOrThrow(yield* repo.get(connector.id)).warning).toContain("1 (a rule too costly to expand)")
      }).pipe(Effect.provide(h.layer))
    }))

  it.live("calendar-changed: a held booking that now clashes is expired, released and both people are told; others are left alone", () =>
    Effect.gen(function*() {
      yield* started
      const h = connectorHarness({})
      const released: Array<{ hostDid: string; bookingId: string }> = []
      const holdStore = Layer.succeed(HoldStore, HoldStore.of({
        release: (hostDid, bookingId) => Effect.sync(() => void released.push({ hostDid, bookingId })),
        match: () => Effect.die("not expected"),
        getMatchStatus: () => Effect.die("not expected"),
        resumeMatch: () => Effect.die("not expected"),
        confirm: () => Effect.die("not expected"),
        expire: () => Effect.die("not expected"),
        reschedule: () => Effect.die("not expected"),
        commitments: () => Effect.die("not expected")
      }))
      const layer = Layer.mergeAll(h.layer, BookingsRepoTest, holdStore)
      yield* Effect.gen(function*() {
        const calendarUrl = yield* Effect.promise(() => radicale.makeCalendar(`changed-${counter}`))
        const host = did()
        const guest = did()
        const connectors = yield* UserConnectors
        const connector = yield* connectors.connectCaldav(host, credentials())
        const repo = yield* ConnectorsRepo
        yield* repo.updateAccount(connector.id, {
          accountRef: connector.accountRef,
          calendars: connector.calendars.map((c) => ({ ...c, checkBusy: c.id === calendarUrl }))
        })
        const start = Date.UTC(2099, 0, 6, 9) // far enough ahead to stay in the future
        const bookings = yield* BookingsRepo
        const booking = (id: string, at: number) =>
          bookings.create({
            id,
            hostDid: host,
            guestDid: guest,
            requestUri: null,
            offerUri: null,
            status: "held",
            startAt: at,
            endAt: at + HOUR,
            tz: "Europe/Berlin",
            sequence: 0,
            icsR2Key: null,
            holdExpiresAt: Date.now() + 15 * 60_000
          })
        yield* booking("bk-keep", start + 3 * HOUR)
        yield* booking("bk-clash", start)
        yield* connectors.placeHold(host, { bookingId: "bk-clash", start, end: start + HOUR, tz: "Europe/Berlin", summary: "held" })
        yield* connectors.placeHold(host, { bookingId: "bk-keep", start: start + 3 * HOUR, end: start + 4 * HOUR, tz: "Europe/Berlin", summary: "held" })

        const outcome = { acked: 0, retried: 0 }
        const message = (n: number) => ({
          id: `m-${n}`,
          timestamp: new Date(),
          attempts: 1,
          body: { kind: "calendar-changed", did: host, connectorId: connector.id, provider: "caldav", idempotencyKey: `caldav:${connector.id}:${n}` },
          ack: () => void outcome.acked++,
          retry: () => void outcome.retried++
        }) as unknown as Message<CalendarChanged>

        // Nothing clashes yet: both holds stay.
        yield* handleCalendarChanged(message(1))
        expect(outcome).toEqual({ acked: 1, retried: 0 })
        expect(released).toEqual([])

        // 09:30–10:30 UTC lands on the first hold only.
        yield* put(calendarUrl, "dentist.ics", singleEvent("dentist", "20990106T103000", "20990106T113000"))
        yield* handleCalendarChanged(message(2))
        expect(outcome).toEqual({ acked: 2, retried: 0 })
        expect((yield* bookings.get("bk-clash")).status).toBe("expired")
        expect((yield* bookings.get("bk-keep")).status).toBe("held")
        expect(released).toEqual([{ hostDid: host, bookingId: "bk-clash" }])
        expect(h.notices).toEqual([
          expect.objectContaining({ kind: "hold-conflict-released", bookingId: "bk-clash", recipients: [host, guest], startAt: start, endAt: start + HOUR })
        ])
      }).pipe(Effect.provide(layer))
    }))
})
