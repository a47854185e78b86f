// A person's export in workerd: built from real D1 rows into real R2 under exports/<did>/, downloaded through the
// AppView worker's fetch with the signed link — once; a second download, a tampered link, another person's DID in
// the link and an expired link are refused. The bundle holds the registered sections and no sealed value; the
// .ics parses and carries the meeting.
import { env } from "cloudflare:test"
import { Effect, Encoding, Layer, TestClock, TestContext } from "effect"
import ICAL from "ical.js"
import { describe, expect, it } from "vitest"
import appview from "../../src/entry/appview"
import { accountLayer } from "../../src/entry/accountGraph"
import { EXPORT_LINK_TTL_MS } from "../../src/domain/account/exportLink"
import { createExport } from "../../src/features/account/createExport"
import { DEFAULT_PREFERENCES } from "../../src/domain/notify/preferences"
import { NotifySettings } from "../../src/services/NotifySettings"
import type { Env } from "../../src/platform/CloudflareEnv"

const ME = "did:plc:exportingperson00000000000"
const OTHER = "did:plc:otherparty00000000000000"
const SEALED = "v1.k1.SEALEDVALUE"
const start = Date.UTC(2027, 0, 12, 15, 0)

const seed = (now: number) =>
  env.DB.batch([
    `INSERT INTO users (did, handle, pds_endpoint, status, created_at, updated_at) VALUES ('${ME}', 'me.example.test', 'https://pds.example', 'active', ${now}, ${now})`,
    `INSERT INTO connectors (id, did, provider, status, account_ref, token_ciphertext, key_id, calendars, created_at, updated_at) VALUES ('conn-1', '${ME}', 'caldav', 'active', 'https://dav.example/me', X'${Buffer.from(SEALED).toString("hex")}', 'k1', '[{"id":"work","name":"Work"}]', ${now}, ${now})`,
    `INSERT INTO bookings (id, host_did, guest_did, status, start_at, end_at, tz, sequence, created_at, updated_at) VALUES ('bk-1', '${OTHER}', '${ME}', 'confirmed', ${start}, ${start + 1_800_000}, 'Europe/Berlin', 2, ${now}, ${now})`,
    `INSERT INTO audit_events (booking_id, actor_did, event_type, from_state, to_state, created_at) VALUES ('bk-1', '${ME}', 'booking.confirm', 'held', 'confirmed', ${now})`,
    `INSERT INTO webhook_subscriptions (id, did, url, secret_ciphertext, key_id, created_at) VALUES ('wh-1', '${ME}', 'https://hooks.example/x', '${SEALED}', 'k1', ${now})`
  ].map((sql) => env.DB.prepare(sql)))

const testEnv = (vars: Partial<Env> = {}): Env => ({ ...env, ENVIRONMENT: "staging", EXPORT_LINK_SECRET: "export-link-test-secret", ...vars } as Env)

const exportFor = (e: Env, did = ME) => Effect.runPromise(Effect.provide(createExport({ did }), accountLayer(e)))

const download = async (e: Env, link: string) => {
  const response = await appview.fetch(new Request(`http://localhost${link}`) as Request<unknown, IncomingRequestCfProperties>, e)
  return { status: response.status, text: await response.text(), type: response.headers.get("content-type") }
}

describe("account export", () => {
  it("stores bundle.json and meetings.ics under exports/<did>/ and hands each out once through its signed link", async () => {
    const e = testEnv()
    await seed(Date.now())
    const created = await exportFor(e)
    const listed = await env.BLOBS.list({ prefix: `exports/${ME}/` })
    expect(listed.objects.map((o) => o.key).sort()).toEqual([`exports/${ME}/${created.exportId}/bundle.json`, `exports/${ME}/${created.exportId}/meetings.ics`])

    const bundle = await download(e, created.links["bundle.json"])
    expect(bundle.status).toBe(200)
    const body = JSON.parse(bundle.text) as Record<string, Array<Record<string, unknown>>>
    expect(body.bookings).toEqual([expect.objectContaining({ id: "bk-1", host_did: OTHER, guest_did: ME, status: "confirmed" })])
    expect(body.connectors).toEqual([expect.objectContaining({ id: "conn-1", provider: "caldav", calendars: "[{\"id\":\"work\",\"name\":\"Work\"}]" })])
    expect(body.auditEvents).toEqual([expect.objectContaining({ booking_id: "bk-1", event_type: "booking.confirm" })])
    expect(body.account).toEqual([expect.objectContaining({ did: ME, handle: "me.example.test" })])
    expect(bundle.text).not.toContain("SEALEDVALUE")
    expect(bundle.text).not.toContain("https://hooks.example") // a webhook's target URL is not exported, only that it exists

    const ics = await download(e, created.links["meetings.ics"])
    expect(ics.status).toBe(200)
    expect(ics.type).toContain("text/calendar")
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(ics.text)).getFirstSubcomponent("vevent")!)
    expect(event.uid).toBe("bk-1@overlap.app")
    expect(event.startDate.toJSDate().getTime()).toBe(start)
    expect(event.endDate.toJSDate().getTime()).toBe(start + 1_800_000)

    expect((await download(e, created.links["bundle.json"])).status).toBe(410)
    expect((await env.BLOBS.list({ prefix: `exports/${ME}/` })).objects).toEqual([])
  })

  // The bookings section and the .ics carry where a meeting is (before this, neither had the place, the host's zone
  // or a proposed new time): the bundle shows the stored columns, the .ics the invitation's LOCATION and join URL.
  it("carries each meeting's place, the host's zone and a proposed new time; the .ics has LOCATION and URL", async () => {
    const e = testEnv()
    const now = Date.now()
    const conference = JSON.stringify({ provider: "googleMeet", joinUrl: "https://meet.example/abc-defg" })
    const location = JSON.stringify({ $type: "app.overlap.defs#locationInPerson", address: "Alexanderplatz 1, Berlin" })
    await env.DB.batch([
      env.DB.prepare(`INSERT INTO bookings (id, host_did, guest_did, status, start_at, end_at, tz, host_tz, sequence, location, conference, title, proposed_start_at, proposed_end_at, proposed_at, created_at, updated_at)
        VALUES ('bk-online', ?, ?, 'confirmed', ?, ?, 'Europe/Berlin', 'America/New_York', 1, '{"$type":"app.overlap.defs#locationConference","provider":"auto"}', ?, 'Intro call', ?, ?, ?, ?, ?)`)
        .bind(OTHER, ME, start, start + 1_800_000, conference, start + 3_600_000, start + 5_400_000, now, now, now),
      env.DB.prepare(`INSERT INTO bookings (id, host_did, guest_did, status, start_at, end_at, tz, sequence, location, created_at, updated_at)
        VALUES ('bk-inperson', ?, ?, 'confirmed', ?, ?, 'Europe/Berlin', 0, ?, ?, ?)`)
        .bind(ME, OTHER, start + 864e5, start + 864e5 + 1_800_000, location, now, now)
    ])
    const created = await exportFor(e)
    const body = JSON.parse((await download(e, created.links["bundle.json"])).text) as { bookings: Array<Record<string, unknown>> }
    expect(body.bookings).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: "bk-online", host_tz: "America/New_York", conference, title: "Intro call", proposed_start_at: start + 3_600_000, proposed_end_at: start + 5_400_000 }),
      expect.objectContaining({ id: "bk-inperson", location, host_tz: null, conference: null, title: null })
    ]))
    const calendar = new ICAL.Component(ICAL.parse((await download(e, created.links["meetings.ics"])).text))
    const byUid = new Map(calendar.getAllSubcomponents("vevent").map((v) => [v.getFirstPropertyValue("uid"), v]))
    expect(byUid.get("bk-online@overlap.app")?.getFirstPropertyValue("location")).toBe("Google Meet: https://meet.example/abc-defg")
    expect(byUid.get("bk-online@overlap.app")?.getFirstPropertyValue("url")).toBe("https://meet.example/abc-defg")
    expect(byUid.get("bk-inperson@overlap.app")?.getFirstPropertyValue("location")).toBe("Alexanderplatz 1, Berlin")
    expect(byUid.get("bk-online@overlap.app")?.getFirstPropertyValue("summary")).toBe("Intro call (Overlap)")
    expect(byUid.get("bk-inperson@overlap.app")?.getFirstPropertyValue("summary")).toBe("Overlap meeting")
    expect(byUid.get("bk-inperson@overlap.app")?.getFirstPropertyValue("url")).toBeNull()
  })

  // Audit events: before this, only the steps the person took themselves (actor_did); now also the other party's and
  // the system's steps on the person's bookings — never a step of a booking that is not theirs, never who acted.
  it("lists every step of the person's bookings, whoever took it, and none of others' bookings", async () => {
    const e = testEnv()
    const now = Date.now()
    await seed(now)
    await env.DB.batch([
      `INSERT INTO bookings (id, host_did, guest_did, status, start_at, end_at, tz, sequence, created_at, updated_at) VALUES ('bk-others', '${OTHER}', 'did:plc:third0000000000000000000', 'confirmed', ${start}, ${start + 1_800_000}, 'UTC', 0, ${now}, ${now})`,
      `INSERT INTO audit_events (booking_id, actor_did, event_type, from_state, to_state, created_at) VALUES ('bk-1', '${OTHER}', 'booking.hold', NULL, 'held', ${now - 1000})`,
      `INSERT INTO audit_events (booking_id, actor_did, event_type, from_state, to_state, created_at) VALUES ('bk-others', '${OTHER}', 'booking.secretstep', 'held', 'confirmed', ${now})`
    ].map((sql) => env.DB.prepare(sql)))
    const { text } = await download(e, (await exportFor(e)).links["bundle.json"])
    const body = JSON.parse(text) as { auditEvents: Array<Record<string, unknown>> }
    expect(body.auditEvents.map((a) => a.event_type).sort()).toEqual(["booking.confirm", "booking.hold"])
    expect(text).not.toContain("booking.secretstep")
    expect(body.auditEvents.every((a) => !("actor_did" in a))).toBe(true)
  })

  it("refuses a tampered link, another person's DID in it, an unsigned file name, and an expired link", async () => {
    const e = testEnv()
    await seed(Date.now())
    const created = await exportFor(e)
    const link = created.links["bundle.json"]
    const tampered = link.replace(/sig=([^&]+)/, (_, sig: string) => `sig=${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`)
    expect((await download(e, tampered)).status).toBe(403)
    expect((await download(e, link.replace(encodeURIComponent(ME), encodeURIComponent(OTHER)))).status).toBe(403)
    expect((await download(e, link.replace("bundle.json", "meetings.ics"))).status).toBe(403)
    expect((await download(e, link.replace("bundle.json", "secrets.json"))).status).toBe(400)
    expect((await download(e, link.replace(/exp=\d+/, `exp=${Date.now() - 1}`))).status).toBe(403)
    // a link signed with another key (another deployment, a rotated secret) is not honored either
    expect((await download(testEnv({ EXPORT_LINK_SECRET: "another-secret" }), link)).status).toBe(403)
    // still there for the real link
    expect((await download(e, link)).status).toBe(200)
  })

  it("an expired link is refused with 410 even when the file is still in R2", async () => {
    const e = testEnv()
    await seed(Date.now())
    const created = await Effect.runPromise(
      Effect.gen(function*() {
        yield* TestClock.setTime(Date.now() - EXPORT_LINK_TTL_MS - 60_000)
        return yield* createExport({ did: ME })
      }).pipe(Effect.provide(Layer.merge(accountLayer(e), TestContext.TestContext)))
    )
    expect((await download(e, created.links["bundle.json"])).status).toBe(410)
    expect((await env.BLOBS.list({ prefix: `exports/${ME}/${created.exportId}/` })).objects).toHaveLength(2)
  })

  it("is switched off outside development when EXPORT_LINK_SECRET is not set", async () => {
    await expect(exportFor(testEnv({ EXPORT_LINK_SECRET: undefined }))).rejects.toThrow(/EXPORT_LINK_SECRET/)
    const refused = await download(testEnv({ EXPORT_LINK_SECRET: undefined }), "/account/export/abcdefgh12/bundle.json?did=did:plc:x&exp=1&sig=x")
    expect(refused.status).toBe(503)
  })

  // Notification settings are sealed in D1 (notify_settings): the export opens the person's own through the TokenVault
  // (before this, the bundle held only whether an address was verified). Another person's stay out; a value whose
  // vault key was retired shows as "unreadable" instead of failing the export.
  describe("notification settings", () => {
    const key = (fill: number) => Encoding.encodeBase64(new Uint8Array(32).fill(fill))
    const ring = (current: string, keys: Record<string, string>) => JSON.stringify({ current, keys })
    const withVault = (keys: string) => testEnv({ TOKEN_VAULT_KEYS: keys })
    const settings = (e: Env, f: (s: NotifySettings["Type"]) => Effect.Effect<unknown, unknown>) =>
      Effect.runPromise(Effect.flatMap(NotifySettings, f).pipe(Effect.provide(accountLayer(e))))
    const bundleOf = async (e: Env) => {
      const downloaded = await download(e, (await exportFor(e)).links["bundle.json"])
      expect(downloaded.status).toBe(200)
      return { text: downloaded.text, notifications: (JSON.parse(downloaded.text) as { notifications: Record<string, unknown> }).notifications }
    }

    it("holds the person's own address, verified, and preferences in plaintext JSON, nothing sealed, nobody else's", async () => {
      const e = withVault(ring("k1", { k1: key(0x41) }))
      await seed(Date.now())
      await settings(e, (s) =>
        Effect.gen(function*() {
          yield* s.putEmail(ME, "me@mail.example")
          yield* s.verifyEmail(ME, "me@mail.example")
          yield* s.putPreferences(ME, {
            email: { enabled: true, kinds: ["confirmed", "canceled"] },
            dm: { enabled: true, kinds: ["reminder"] },
            reminders: { enabled: true, minutesBefore: [30] },
            timeZone: "Europe/Berlin"
          })
          yield* s.putEmail(OTHER, "other@mail.example")
          yield* s.putPreferences(OTHER, { ...DEFAULT_PREFERENCES, timeZone: "Asia/Tokyo" })
        }))
      const { notifications, text } = await bundleOf(e)
      expect(notifications).toEqual({
        email: { address: "me@mail.example", verified: true, verifiedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
        preferences: {
          source: "set",
          email: { enabled: true, kinds: ["confirmed", "canceled"] },
          dm: { enabled: true, kinds: ["reminder"] },
          reminders: { enabled: true, minutesBefore: [30] },
          timeZone: "Europe/Berlin"
        },
        updatedAt: expect.any(String)
      })
      expect(text).not.toContain("other@mail.example")
      expect(text).not.toContain("Asia/Tokyo")
      // nothing sealed: no envelope (v1.<keyId>.…), no key id column
      const { results } = await env.DB.prepare("SELECT email_ciphertext AS e, preferences_ciphertext AS p FROM notify_settings WHERE did = ?").bind(ME).all<{ e: string; p: string }>()
      expect(results).toHaveLength(1)
      expect(text).not.toContain(results[0]!.e)
      expect(text).not.toContain(results[0]!.p)
      expect(text).not.toMatch(/"v1\.k1\.|key_id|ciphertext/)
      // the plaintext is only inside the export: D1 still holds the address sealed
      const raw = await env.DB.prepare("SELECT * FROM notify_settings").all()
      expect(JSON.stringify(raw.results)).not.toContain("me@mail.example")
    })

    it("shows the defaults when the person set nothing, and no address", async () => {
      const { notifications } = await bundleOf(withVault(ring("k1", { k1: key(0x41) })))
      expect(notifications).toEqual({
        email: null,
        preferences: expect.objectContaining({ source: "default", dm: expect.objectContaining({ enabled: false }), reminders: { enabled: true, minutesBefore: [1440, 60] } }),
        updatedAt: null
      })
    })

    it("reports a value whose vault key was retired as unreadable, and the rest as they are", async () => {
      const before = withVault(ring("k1", { k1: key(0x41) }))
      await settings(before, (s) => s.putEmail(ME, "me@mail.example"))
      const after = withVault(ring("k2", { k2: key(0x42) }))
      await settings(after, (s) => s.putPreferences(ME, { ...DEFAULT_PREFERENCES, timeZone: "America/Chicago" }))
      const { notifications, text } = await bundleOf(after)
      expect(notifications).toMatchObject({
        email: { address: "unreadable", verified: false, verifiedAt: null },
        preferences: { source: "set", timeZone: "America/Chicago" }
      })
      expect(text).not.toContain("me@mail.example")
    })
  })
})
