import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from "cloudflare:test"
import { describe, expect, it } from "vitest"
import { client, waitFor } from "./harness"
import appview from "../../src/entry/appview"

// reindex-drift (the AppView's `17 * * * *` cron) against the real local PDS: the index is made to differ from the
// host's repo (a row lost, a row stale, a row the repo does not have) and the cron puts it back.

const offer = (note: string) => ({
  $type: "app.overlap.slotOffer",
  start: "2030-03-04T09:00:00.000Z",
  end: "2030-03-04T11:00:00.000Z",
  policy: "mutual",
  tz: "Europe/Paris",
  note,
  createdAt: new Date().toISOString()
})
const eventType = (slug: string, name: string) => ({
  $type: "app.overlap.eventType",
  name,
  slug,
  durations: [30],
  policy: "anyone",
  location: { $type: "app.overlap.defs#locationConference", provider: "auto" },
  createdAt: new Date().toISOString()
})
const eventTypeRow = (uri: string) => env.DB.prepare("SELECT cid, name FROM event_types_index WHERE uri = ?").bind(uri).first<{ cid: string; name: string }>()
const row = (uri: string) => env.DB.prepare("SELECT cid, note FROM offers_index WHERE uri = ?").bind(uri).first<{ cid: string; note: string }>()

describe("reindex-drift", () => {
  it("finds and repairs missing, stale and extra rows of DIDs active in the window", async () => {
    // a new test file reloads the worker: the pool invalidates the running FirehoseDO once ("please retry")
    await waitFor("the firehose to (re)start", async () =>
      (await SELF.fetch("http://firehose/firehose/ensure", { method: "POST" }).catch(() => undefined))?.ok)
    const host = await client<{ did: string }>({ op: "createAccount", name: `drift-${Math.random().toString(36).slice(2, 7)}` })
    const a = await client<{ uri: string; cid: string }>({ op: "createRecord", did: host.did, collection: "app.overlap.slotOffer", record: offer("a") })
    const b = await client<{ uri: string; cid: string }>({ op: "createRecord", did: host.did, collection: "app.overlap.slotOffer", record: offer("b") })
    // event types too (issue 15 item 4): one lost, one stale
    const intro = await client<{ uri: string; cid: string }>({ op: "putRecord", did: host.did, collection: "app.overlap.eventType", rkey: "intro", record: eventType("intro", "Intro") })
    const long = await client<{ uri: string; cid: string }>({ op: "putRecord", did: host.did, collection: "app.overlap.eventType", rkey: "long", record: eventType("long", "Long talk") })
    await waitFor("both offers", async () => (await row(a.uri)) !== null && (await row(b.uri)) !== null)
    await waitFor("both event types", async () => (await eventTypeRow(intro.uri)) !== null && (await eventTypeRow(long.uri)) !== null)

    const extra = `at://${host.did}/app.overlap.slotOffer/3kextraextra2`
    await env.DB.batch([
      env.DB.prepare("DELETE FROM offers_index WHERE uri = ?").bind(a.uri),
      // an update the index never saw: the row is an older version of the record
      env.DB.prepare("UPDATE offers_index SET cid = 'bafystale', note = 'stale', rev = '2222222222222' WHERE uri = ?").bind(b.uri),
      env.DB.prepare(
        `INSERT INTO offers_index (uri, did, rkey, cid, rev, start_at, end_at, policy, tz, note, created_at, indexed_at)
         VALUES (?, ?, '3kextraextra2', 'bafyextra', '2222222222222', 0, 1, 'anyone', 'UTC', 'extra', 0, 0)`
      ).bind(extra, host.did),
      env.DB.prepare("DELETE FROM event_types_index WHERE uri = ?").bind(intro.uri),
      env.DB.prepare("UPDATE event_types_index SET cid = 'bafystale', name = 'stale', rev = '2222222222222' WHERE uri = ?").bind(long.uri)
    ])

    const ctx = createExecutionContext()
    await appview.scheduled(createScheduledController({ cron: "17 * * * *", scheduledTime: Date.now() }), env, ctx)
    await waitOnExecutionContext(ctx)

    expect(await row(a.uri)).toEqual({ cid: a.cid, note: "a" })
    expect(await row(b.uri)).toEqual({ cid: b.cid, note: "b" })
    expect(await row(extra)).toBeNull()
    expect(await eventTypeRow(intro.uri)).toEqual({ cid: intro.cid, name: "Intro" })
    expect(await eventTypeRow(long.uri)).toEqual({ cid: long.cid, name: "Long talk" })
    const checked = await env.DB.prepare("SELECT drift_checked_at FROM ingest_activity WHERE did = ?").bind(host.did).first<{ drift_checked_at: number | null }>()
    expect(checked?.drift_checked_at).toBeGreaterThan(0)
  })
})
