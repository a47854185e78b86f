import { HttpClient } from "@effect/platform"
import { Duration, Effect, Layer, Option, Schema } from "effect"
import { type OutboundUrlPolicy, parseAllowedPorts } from "../../domain/network/outboundUrl"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { makeOutboundCheck, OutboundGuard, refuseOutbound } from "../../services/OutboundGuard"

export interface OutboundGuardOptions extends OutboundUrlPolicy {
  /** A DNS-over-HTTPS JSON endpoint (`DOH_URL`: Cloudflare's in production). */
  readonly dohUrl: string
  /** Per lookup (A and AAAA run together). */
  readonly timeout: Duration.DurationInput
}

const DohAnswer = Schema.Struct({
  Status: Schema.Number,
  Answer: Schema.optional(Schema.Array(Schema.Struct({ type: Schema.Number, data: Schema.String })))
})
const DNS_A = 1
const DNS_AAAA = 28
const MAX_DOH_BODY = 64 * 1024

/**
 * OutboundGuard over DNS-over-HTTPS: a name is allowed only when it resolves and every A / AAAA address it
 * resolves to is public. A lookup that fails or times out refuses (fail closed). In development the textual
 * rule alone applies (loopback and http allowed, no DNS).
 */
export const makeOutboundGuardLive = (options: OutboundGuardOptions): Layer.Layer<OutboundGuard, never, HttpClient.HttpClient> =>
  Layer.effect(
    OutboundGuard,
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const lookup = (name: string, type: number) =>
        Effect.gen(function* () {
          const url = new URL(options.dohUrl)
          url.searchParams.set("name", name)
          url.searchParams.set("type", String(type))
          const response = yield* client.get(url.toString(), { headers: { accept: "application/dns-json" } })
          if (response.status !== 200 || Number(response.headers["content-length"]) > MAX_DOH_BODY) {
            yield* Effect.ignore(response.text) // the answer is taken (see IdentityResolverLive): no abort at GC time
            return Option.none()
          }
          const body = yield* response.json
          return Schema.decodeUnknownOption(DohAnswer)(body)
        }).pipe(Effect.orElseSucceed(() => Option.none<typeof DohAnswer.Type>()))

      const addressesOf = (name: string) =>
        Effect.all([lookup(name, DNS_A), lookup(name, DNS_AAAA)], { concurrency: 2 }).pipe(
          Effect.timeoutFail({ duration: options.timeout, onTimeout: () => refuseOutbound("could not be resolved in time", true) }),
          Effect.flatMap(([a, aaaa]) =>
            Option.isNone(a) || Option.isNone(aaaa)
              ? Effect.fail(refuseOutbound("could not be resolved", true))
              : Effect.succeed(
                  [...(a.value.Answer ?? []), ...(aaaa.value.Answer ?? [])]
                    .filter((record) => record.type === DNS_A || record.type === DNS_AAAA)
                    .map((record) => record.data.trim())
                )
          )
        )

      return OutboundGuard.of({ check: makeOutboundCheck(options, addressesOf) })
    })
  )

/** The production layer: the policy from the worker's env (`ENVIRONMENT`, `OUTBOUND_ALLOWED_PORTS`, `DOH_URL`). */
export const OutboundGuardLive: Layer.Layer<OutboundGuard, never, CloudflareEnv | HttpClient.HttpClient> = Layer.unwrapEffect(
  Effect.map(CloudflareEnv, (env) =>
    makeOutboundGuardLive({
      development: env.ENVIRONMENT === "development",
      allowedPorts: parseAllowedPorts(env.OUTBOUND_ALLOWED_PORTS),
      dohUrl: env.DOH_URL,
      timeout: "3 seconds"
    })
  )
)
