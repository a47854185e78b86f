import { env } from "cloudflare:test"
import { Effect, Layer, TestClock, TestContext } from "effect"
import { describe, expect, it } from "vitest"
import { TokenVaultLive } from "../../src/adapters/crypto/TokenVaultLive"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { NotifySettingsLive } from "../../src/adapters/d1/NotifySettingsLive"
import { RemindersLive } from "../../src/adapters/d1/RemindersLive"
import { WebhookSubscriptionsRepoLive } from "../../src/adapters/d1/WebhookSubscriptionsRepoLive"
import { makeNotifyOutboxTest } from "../../src/adapters/memory/NotifyOutboxTest"
import { DEFAULT_PREFERENCES } from "../../src/domain/notify/preferences"
import { reminderSweep } from "../../src/features/notify/reminderSweep"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { NotifySettings } from "../../src/services/NotifySettings"

// Issue 16 item 4: the reminder sweep over the real D1 (bookings, the notify_reminders ledger, sealed
// preferences), driven by a fixed clock (TestClock): the default 24 h and 1 h reminders fire once each, a
// person's own setting and off switch are honoured, canceled meetings get none, and a moved meeting's old
// time gets none while its new time is planned afresh.

const HOUR = 3_600_000
const T0 = Date.UTC(2027, 0, 10, 12, 0, 0)
const HOST = "did:plc:remindhost00000000000000"
const GUEST = "did:plc:remindguest0000000000000"
const QUIET = "did:plc:remindquiet0000000000000"

const insertBooking = (id: string, status: string, startAt: number, sequence: number, guest = GUEST) =>
  env.DB.prepare(
    `INSERT INTO bookings (id, host_did, guest_did, status, start_at, end_at, tz, sequence, created_at, updated_at, version)
     VALUES (?, ?, ?, ?, ?, ?, 'Europe/Berlin', ?, ?, ?, 1)
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, start_at = excluded.start_at, end_at = excluded.end_at, sequence = excluded.sequence`
  ).bind(id, HOST, guest, status, startAt, startAt + HOUR / 2, sequence, T0, T0).run()

describe("reminder sweep (fixed clock, real D1)", () => {
  it("sends each due reminder once, by each person's settings, never for canceled or moved meetings", async () => {
    await insertBooking("rm_on", "confirmed", T0 + 25 * HOUR, 1)
    await insertBooking("rm_gone", "canceled", T0 + 25 * HOUR, 2)
    await insertBooking("rm_moved", "confirmed", T0 + 25 * HOUR, 1, QUIET)
    // rm_on has its event type's place, name (bookings.title) and the host's zone (bookings.tz is the guest's)
    await env.DB.prepare("UPDATE bookings SET location = ?, host_tz = 'America/New_York', title = 'Weekly sync' WHERE id = 'rm_on'")
      .bind(JSON.stringify({ $type: "app.overlap.defs#locationVideo", url: "https://video.example/rm" })).run()

    const program = Effect.gen(function*() {
      const { layer, enqueued } = yield* makeNotifyOutboxTest
      const root = CloudflareEnv.layer(env)
      const d1 = D1Live.pipe(Layer.provide(root))
      const services = Layer.mergeAll(
        RemindersLive.pipe(Layer.provide(d1)),
        NotifySettingsLive.pipe(Layer.provide(Layer.mergeAll(d1, TokenVaultLive.pipe(Layer.provide(root))))),
        layer.pipe(Layer.provide(WebhookSubscriptionsRepoLive.pipe(Layer.provide(d1))))
      )
      return yield* Effect.gen(function*() {
        // QUIET turned reminders off; the guest wants one 2 h before only
        const settings = yield* NotifySettings
        yield* settings.putPreferences(QUIET, { ...DEFAULT_PREFERENCES, reminders: { enabled: false, minutesBefore: [60] } })
        yield* settings.putPreferences(GUEST, { ...DEFAULT_PREFERENCES, reminders: { enabled: true, minutesBefore: [120] } })
        const ids = () => Effect.map(enqueued, (tasks) => [...new Set(tasks.map((t) => `${t.id}>${t.recipientDid}`))].sort())

        yield* TestClock.setTime(T0) // 25 h before: nothing due
        expect(yield* reminderSweep).toBe(0)
        yield* TestClock.setTime(T0 + HOUR + 60_000) // 24 h − 1 min before: the host's 24 h reminders (default), both meetings
        expect(yield* reminderSweep).toBe(2)
        expect(yield* reminderSweep).toBe(0) // the cron again, a minute later in spirit: once
        expect(yield* ids()).toEqual([`rm_on:1:booking.reminder.1440>${HOST}`, `rm_moved:1:booking.reminder.1440>${HOST}`].sort())

        // the meeting with QUIET moves (sequence 2, an hour later) before its 1 h reminder
        yield* Effect.promise(() => insertBooking("rm_moved", "rescheduled", T0 + 26 * HOUR, 2, QUIET))
        yield* TestClock.setTime(T0 + 23 * HOUR + 60_000) // 2 h − 1 min before rm_on: the guest's own 2 h reminder
        expect(yield* reminderSweep).toBe(1)
        yield* TestClock.setTime(T0 + 24 * HOUR + 60_000) // 1 h − 1 min before rm_on; rm_moved now starts 2 h later
        expect(yield* reminderSweep).toBe(1)
        yield* TestClock.setTime(T0 + 25 * HOUR + 60_000) // 1 h before the moved meeting: the host's 1 h reminder for sequence 2
        expect(yield* reminderSweep).toBe(1)
        const all = yield* ids()
        expect(all).toEqual([
          `rm_moved:1:booking.reminder.1440>${HOST}`,
          `rm_moved:2:booking.reminder.60>${HOST}`,
          `rm_on:1:booking.reminder.120>${GUEST}`,
          `rm_on:1:booking.reminder.1440>${HOST}`,
          `rm_on:1:booking.reminder.60>${HOST}`
        ])
        // never the canceled meeting, never for QUIET, never the moved meeting's old time at 1 h
        expect(all.some((id) => id.startsWith("rm_gone"))).toBe(false)
        expect(all.some((id) => id.endsWith(QUIET))).toBe(false)
        const tasks = yield* enqueued
        expect(tasks.find((t) => t.id === `rm_on:1:booking.reminder.120`)?.event).toMatchObject({
          type: "booking.reminder", minutesBefore: 120, tz: "America/New_York", location: "https://video.example/rm", joinUrl: "https://video.example/rm",
          title: "Weekly sync"
        })
        expect(tasks.find((t) => t.id === `rm_moved:2:booking.reminder.60`)?.event).toMatchObject({ tz: "Europe/Berlin" })
        expect(tasks.find((t) => t.id === `rm_moved:2:booking.reminder.60`)?.event).not.toHaveProperty("location")
        expect(tasks.find((t) => t.id === `rm_moved:2:booking.reminder.60`)?.event).not.toHaveProperty("title") // none: "Meeting"
        expect(tasks.filter((t) => t.channel === "email").every((t) => t.target === t.recipientDid)).toBe(true)
      }).pipe(Effect.provide(services))
    }).pipe(Effect.provide(TestContext.TestContext))
    await Effect.runPromise(program)
  })
})
