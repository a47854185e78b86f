/**
 * Bench-only worker (not deployed): drives the real HostMatchDO through HoldStore Live inside workerd.
 *
 * - HOST_MATCH: HostMatchDO as deployed (local calendar in D1).
 * - HOST_MATCH_FAKE: the same object over the in-memory CalendarProvider with a latency the bench sets.
 *
 * Routes (POST, JSON): /setup { statements } applies the migrations; /configure { host, behaviour } sets the
 * fake calendars' latency for a host; /match { fake, request } runs one match; /burst { fake, requests } runs
 * many matches at once and answers how many were held.
 */
import { Effect, Either, Layer, ManagedRuntime } from "effect"
import type { SqlClient } from "@effect/sql"
import { HostMatchDO } from "../../src/entry/objects/HostMatchDO"
import type { CalendarProvider } from "../../src/services/CalendarProvider"
import { type CalendarBehaviour, calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { HoldStoreLive } from "../../src/adapters/objects/HoldStoreLive"
import { Held, HoldStore } from "../../src/services/HoldStore"
import { type MatchRequest } from "../../src/domain/holds/matchRequest"

export { HostMatchDO }

interface BenchEnv extends Env {
  readonly HOST_MATCH_FAKE: DurableObjectNamespace<HostMatchDO>
}

export class FakeCalendarHostMatchDO extends HostMatchDO {
  readonly #control = new CalendarProviderTestControl()

  protected override calendars(_d1: Layer.Layer<SqlClient.SqlClient>): Layer.Layer<CalendarProvider> {
    return calendarProviderTestLayer(this.#control)
  }

  async configureFakeCalendars(behaviour: CalendarBehaviour) {
    this.#control.configureDefault(behaviour)
  }
}

const runtimes = new WeakMap<Env, { real: ManagedRuntime.ManagedRuntime<HoldStore, never>; fake: ManagedRuntime.ManagedRuntime<HoldStore, never> }>()
const runtimeFor = (env: BenchEnv, fake: boolean) => {
  let built = runtimes.get(env)
  if (!built) {
    built = {
      real: ManagedRuntime.make(HoldStoreLive.pipe(Layer.provide(CloudflareEnv.layer(env)))),
      fake: ManagedRuntime.make(HoldStoreLive.pipe(Layer.provide(CloudflareEnv.layer({ ...env, HOST_MATCH: env.HOST_MATCH_FAKE }))))
    }
    runtimes.set(env, built)
  }
  return fake ? built.fake : built.real
}

const matchOnce = (request: MatchRequest) =>
  Effect.flatMap(HoldStore, (holds) => Effect.either(holds.match(request))).pipe(
    Effect.map((result) => (Either.isRight(result) && result.right instanceof Held ? "held" : Either.isLeft(result) ? result.left._tag : "pending"))
  )

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    const body = (await request.json()) as Record<string, unknown>
    switch (url.pathname) {
      case "/setup": {
        const statements = body.statements as Array<string>
        await env.DB.batch(statements.map((s) => env.DB.prepare(s)))
        return Response.json({ ok: true })
      }
      case "/configure": {
        const stub = env.HOST_MATCH_FAKE.get(env.HOST_MATCH_FAKE.idFromName(body.host as string)) as unknown as FakeCalendarHostMatchDO
        await stub.configureFakeCalendars(body.behaviour as CalendarBehaviour)
        return Response.json({ ok: true })
      }
      case "/match": {
        const outcome = await runtimeFor(env, body.fake === true).runPromise(matchOnce(body.request as MatchRequest))
        return Response.json({ outcome })
      }
      case "/burst": {
        const requests = body.requests as Array<MatchRequest>
        const outcomes = await runtimeFor(env, body.fake === true).runPromise(
          Effect.forEach(requests, matchOnce, { concurrency: "unbounded" })
        )
        return Response.json({ held: outcomes.filter((o) => o === "held").length, outcomes })
      }
      default:
        return new Response("not found", { status: 404 })
    }
  }
} satisfies ExportedHandler<BenchEnv>
