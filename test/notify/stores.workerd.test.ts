import { expect, it } from "@effect/vitest"
import { env } from "cloudflare:test"
import { Effect, Layer, Option } from "effect"
import ICAL from "ical.js"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { IcsStoreLive } from "../../src/adapters/r2/IcsStoreLive"
import { TokenVaultLive } from "../../src/adapters/crypto/TokenVaultLive"
import { WebhookSubscriptionsRepoLive } from "../../src/adapters/d1/WebhookSubscriptionsRepoLive"
import { IcsStore } from "../../src/services/IcsStore"
import { confirmInvitation, END, START } from "./fixtures"
import { subscriptionSuite } from "./subscriptionSuite"

// The Live stores over the real local bindings (D1, R2), with fresh storage per test.
const envLayer = CloudflareEnv.layer(env)

subscriptionSuite(
  "webhook subscriptions (Live layers, D1 + TokenVault)",
  () => Layer.merge(WebhookSubscriptionsRepoLive.pipe(Layer.provide(D1Live)), TokenVaultLive).pipe(Layer.provide(envLayer))
)

it.effect("IcsStore (Live, R2): confirm, reschedule and cancel land at ics/<bookingId>/<sequence>.ics and parse with ical.js", () =>
  Effect.gen(function*() {
    const store = yield* IcsStore
    const day = 86_400_000
    yield* store.put(confirmInvitation())
    yield* store.put(confirmInvitation({ sequence: 2, startAt: START + day, endAt: END + day }))
    yield* store.put(confirmInvitation({ sequence: 3, method: "CANCEL", startAt: START + day, endAt: END + day }))

    const read = (sequence: number) =>
      Effect.promise(async () => {
        const object = await env.BLOBS.get(`ics/bk_01HXYZ/${sequence}.ics`)
        if (object === null) throw new Error(`no object for sequence ${sequence}`)
        const calendar = new ICAL.Component(ICAL.parse(await object.text()))
        const event = calendar.getFirstSubcomponent("vevent")!
        return {
          contentType: object.httpMetadata?.contentType,
          method: calendar.getFirstPropertyValue("method"),
          uid: event.getFirstPropertyValue("uid"),
          sequence: event.getFirstPropertyValue("sequence"),
          status: event.getFirstPropertyValue("status"),
          start: (event.getFirstPropertyValue("dtstart") as ICAL.Time).toJSDate().getTime()
        }
      })
    expect(yield* read(1)).toEqual({
      contentType: "text/calendar; charset=utf-8; method=REQUEST",
      method: "REQUEST",
      uid: "bk_01HXYZ@overlap.app",
      sequence: 1,
      status: "CONFIRMED",
      start: START
    })
    expect(yield* read(2)).toMatchObject({ method: "REQUEST", uid: "bk_01HXYZ@overlap.app", sequence: 2, start: START + day })
    expect(yield* read(3)).toMatchObject({
      contentType: "text/calendar; charset=utf-8; method=CANCEL",
      method: "CANCEL",
      uid: "bk_01HXYZ@overlap.app",
      sequence: 3,
      status: "CANCELLED"
    })
    const viaStore = Option.getOrThrow(yield* store.get("ics/bk_01HXYZ/3.ics"))
    expect(viaStore.method).toBe("CANCEL")
    expect(Option.isNone(yield* store.get("ics/bk_01HXYZ/4.ics"))).toBe(true)
  }).pipe(Effect.provide(IcsStoreLive.pipe(Layer.provide(envLayer)))))
