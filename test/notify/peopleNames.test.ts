import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type LocalAccount, type LocalAtproto, startLocalAtproto } from "../../scripts/localAtproto.mjs"
import { makeIdentityResolverLive } from "../../src/adapters/atproto/IdentityResolverLive"
import { PeopleNamesLive } from "../../src/adapters/atproto/PeopleNamesLive"
import { renderInvitation } from "../../src/domain/invitation"
import { bookingInvitation } from "../../src/domain/notify/bookingInvitation"
import type { EmailTask, NotifyTask } from "../../src/domain/notify/task"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { Notifier } from "../../src/services/Notifier"
import { PeopleNames } from "../../src/services/PeopleNames"
import { makeNotifierWithNames } from "../support/notifierInProcess"
import { bookingEvent } from "./fixtures"
import { checkWithPython } from "./icalendarCheck"

// Issue 16, names instead of DIDs: against the real local PLC and PDS (scripts/localAtproto.mjs), PeopleNamesLive
// finds a person's handle (their DID document) and the display name of their app.bsky.actor.profile record; the
// Notifier puts both people's names into the booking event its channels write from, so the subject, the body and
// the invitation (CN=, SUMMARY — read here by python3-icalendar) name people, not DIDs. Outside development an
// http PDS is not read and a handle must resolve back to the DID (a .test handle cannot): the DID is shown.

let network: LocalAtproto
let alice: LocalAccount, bob: LocalAccount

beforeAll(async () => {
  network = await startLocalAtproto()
  ;[alice, bob] = await Promise.all([network.createAccount("pnalice"), network.createAccount("pnbob")])
  await alice.agent.com.atproto.repo.putRecord({
    repo: alice.did,
    collection: "app.bsky.actor.profile",
    rkey: "self",
    record: { $type: "app.bsky.actor.profile", displayName: "  Alice\nExample " }
  })
}, 60_000)

afterAll(async () => {
  await network?.close()
})

const namesIn = (environment: string) =>
  PeopleNamesLive.pipe(
    Layer.provide(makeIdentityResolverLive({ requestTimeout: "2 seconds" }).pipe(Layer.provide(FetchHttpClient.layer))),
    Layer.provide(CloudflareEnv.layer({
      ENVIRONMENT: environment,
      PLC_URL: network.plcUrl,
      DOH_URL: "http://127.0.0.1:9/dns-query",
      APPVIEW_DID: "did:web:localhost",
      APPVIEW_SERVICE_ID: "#overlap_appview"
    } as Env))
  )

describe("people's names in messages (real local PDS)", () => {
  it("finds the handle and the profile's display name; a person without a profile by handle; an unknown DID by nothing", async () => {
    const [a, b, unknown] = await Effect.runPromise(Effect.gen(function*() {
      const names = yield* PeopleNames
      return yield* Effect.all([names.nameOf(alice.did), names.nameOf(bob.did), names.nameOf("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")])
    }).pipe(Effect.provide(namesIn("development"))))
    expect(a).toEqual({ displayName: "Alice\nExample", handle: "pnalice.test" })
    expect(b).toEqual({ handle: "pnbob.test" })
    expect(unknown).toEqual({})
  })

  it("outside development: no http PDS is read and an unverifiable handle is not shown", async () => {
    const a = await Effect.runPromise(Effect.flatMap(PeopleNames, (n) => n.nameOf(alice.did)).pipe(Effect.provide(namesIn("production"))))
    expect(a).toEqual({})
  })

  it("the Notifier names both people in the event its channels write from: subject, body, CN= and SUMMARY", async () => {
    const task: EmailTask = {
      channel: "email",
      id: "bk_names:1:booking.confirmed",
      target: alice.did,
      recipientDid: alice.did,
      event: bookingEvent({ bookingId: "bk_names", hostDid: alice.did, guestDid: bob.did, title: "Intro", at: Date.UTC(2026, 2, 1) })
    }
    const sent = await Effect.runPromise(Effect.gen(function*() {
      const t = yield* makeNotifierWithNames(namesIn("development"))
      return yield* Effect.gen(function*() {
        expect(yield* Effect.flatMap(Notifier, (n) => n.deliver(task, { final: false }))).toBe("delivered")
        return yield* t.sent
      }).pipe(Effect.provide(t.layer))
    }))
    const event = (sent[0] as NotifyTask).event
    expect(event).toMatchObject({ hostName: "Alice Example (@pnalice.test)", guestName: "@pnbob.test" })
    if (event.type !== "booking.confirmed") throw new Error("not the booking event")
    // the invitation the e-mail channel renders from this event, for each side
    const people = {
      host: { did: alice.did, name: event.hostName, email: "alice@example.com" },
      guest: { did: bob.did, name: event.guestName, email: "bob@example.com" }
    }
    const forHost = checkWithPython(renderInvitation(bookingInvitation(event, people, "host", { stampedAt: 0 })!)).events[0]!
    expect(forHost.summary).toBe("Intro with @pnbob.test")
    expect(forHost.organizer).toMatchObject({ value: "mailto:alice@example.com", params: { CN: "Alice Example (@pnalice.test)" } })
    expect(forHost.attendees[0]).toMatchObject({ value: "mailto:bob@example.com", params: { CN: "@pnbob.test" } })
    const forGuest = checkWithPython(renderInvitation(bookingInvitation(event, people, "guest", { stampedAt: 0 })!)).events[0]!
    expect(forGuest.summary).toBe("Intro with Alice Example (@pnalice.test)")
    expect(JSON.stringify([forHost, forGuest])).not.toMatch(/with did:/)
  })
})
