import { FetchHttpClient, HttpClient, type HttpClientResponse } from "@effect/platform"
import { Cause, Clock, Duration, Effect, Exit, Fiber, Layer, Option, Schedule, Schema } from "effect"
import {
  Did,
  type DidDocument,
  DidDocumentInvalid,
  DidNotFound,
  type DidResolutionError,
  decodeDidDocument,
  HandleNotFound,
  type HandleResolutionError,
  IdentityResolver,
  IdentityUnavailable,
  normalizeHandle,
  parseDid,
  pdsEndpointOf,
  type ResolveOptions,
  signingKeyOf
} from "../../services/IdentityResolver"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { type FinishedValueCache, makeFinishedValueCache } from "../../platform/FinishedValueCache"
import { isPublicHostName } from "../../domain/publicHost"
import { readBoundedText, webResponseOf } from "../../platform/boundedBody"

export interface IdentityResolverOptions {
  /** Per HTTP request, body included. */
  readonly requestTimeout: Duration.DurationInput
  /** A resolved DID document. Long: a rotated key is picked up by the forced refresh after a bad signature. */
  readonly didTtl: Duration.DurationInput
  /** A resolved handle. Shorter: nothing corrects a stale handle the way a bad signature corrects a stale key. */
  readonly handleTtl: Duration.DurationInput
  /** DidNotFound / DidDocumentInvalid / HandleNotFound: brief, so a new account becomes resolvable quickly. */
  readonly negativeTtl: Duration.DurationInput
  /** `forceRefresh` is honored at most once per DID in this window, so forged tokens cannot hammer the PLC. */
  readonly minForcedRefreshInterval: Duration.DurationInput
  /** Entries per cache (DID documents, handles), per isolate. */
  readonly capacity: number
  /** The most of any identity answer that is read (a DID document is a few KiB); a larger body is refused. */
  readonly maxBodyBytes: number
}

export const defaultIdentityResolverOptions: IdentityResolverOptions = {
  requestTimeout: "3 seconds",
  didTtl: "1 hour",
  handleTtl: "10 minutes",
  negativeTtl: "30 seconds",
  minForcedRefreshInterval: "5 seconds",
  capacity: 5_000,
  maxBodyBytes: 64 * 1024
}

const DID_ACCEPT = "application/did+ld+json, application/json"

/** The DoH JSON answer (RFC 8427-ish, as served by Cloudflare and Google). */
const DohAnswer = Schema.Struct({
  Status: Schema.Number,
  Answer: Schema.optional(Schema.Array(Schema.Struct({ type: Schema.Number, data: Schema.String })))
})
const DNS_NOERROR = 0
const DNS_NXDOMAIN = 3
const DNS_TXT = 16

/** A TXT record's data is one or more quoted character-strings: `"did=did:plc:…"` or `"did=did:" "plc:…"`. */
const txtValue = (data: string): string => {
  const parts = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!.replace(/\\(.)/g, "$1"))
  return parts.length > 0 ? parts.join("") : data
}

/**
 * did:web:<host> → its document URL, or undefined when it may not be fetched. Outside development only
 * `https://<public host name>/.well-known/did.json` (no IP literal, no port, no internal name), so a forged
 * token's issuer cannot point the AppView at the network behind it; in development plain http to a loopback
 * host with an explicit port too (local test identities).
 */
const didWebUrl = (host: string, development: boolean): string | undefined => {
  const [hostname = "", port] = host.split(":")
  const loopback = hostname === "localhost" || hostname === "127.0.0.1"
  if (development) return `${loopback && port !== undefined ? "http" : "https"}://${host}/.well-known/did.json`
  return port === undefined && isPublicHostName(hostname) ? `https://${hostname}/.well-known/did.json` : undefined
}

/**
 * IdentityResolver over the network: did:plc from `PLC_URL`, did:web from the host's `/.well-known/did.json`,
 * handles from DNS-over-HTTPS (`DOH_URL`) and `https://<handle>/.well-known/atproto-did`.
 * Needs an `HttpClient` (`FetchHttpClient.layer` in the workers). Caches of finished answers live per
 * isolate, in the layer.
 */
export const makeIdentityResolverLive = (
  overrides: Partial<IdentityResolverOptions> = {}
): Layer.Layer<IdentityResolver, never, CloudflareEnv | HttpClient.HttpClient> =>
  Layer.effect(
    IdentityResolver,
    Effect.gen(function* () {
      const options = { ...defaultIdentityResolverOptions, ...overrides }
      const env = yield* CloudflareEnv
      const client = yield* HttpClient.HttpClient
      const plcUrl = env.PLC_URL.replace(/\/+$/, "")
      const timeout = Duration.decode(options.requestTimeout)
      const development = env.ENVIRONMENT === "development"

      /**
       * The body as text, or none once it passes `maxBodyBytes` (declared or read): reading stops there. Read from
       * the fetch Response's own stream (src/platform/boundedBody.ts) rather than through Effect's Stream, which
       * would add ~45 KiB (gzip) of stream machinery to every worker that resolves identities.
       */
      const boundedText = (response: HttpClientResponse.HttpClientResponse) =>
        Effect.gen(function* () {
          if (Number(response.headers["content-length"]) > options.maxBodyBytes) return Option.none<string>()
          const source = webResponseOf(response)
          if (source === undefined) return Option.some(yield* response.text) // not a fetch client: no stream to bound
          const read = yield* readBoundedText(source.body, { maxBytes: options.maxBodyBytes, timeoutMs: Duration.toMillis(timeout) })
          // tells the client the answer was taken (its body is read or canceled by now, so this fails at once and is
          // ignored); otherwise the client aborts the request when the response is garbage-collected, outside any
          // request context, which the Workers runtime reports as an uncaught error
          yield* Effect.ignore(response.text)
          return read._tag === "Complete" ? Option.some(read.text) : Option.none<string>()
        })

      /** GET → status and body text (at most `maxBodyBytes`); transport errors and timeouts become IdentityUnavailable. */
      const getText = (subject: string, url: string, accept: string) =>
        Effect.gen(function* () {
          // a connection that fails before any answer (a reset, a refused connect) is tried once more: it is a GET
          const response = yield* client.get(url, { headers: { accept } }).pipe(
            Effect.retry({ times: 1, schedule: Schedule.spaced("100 millis"), while: (error) => error._tag === "RequestError" })
          )
          const text = yield* boundedText(response)
          if (Option.isNone(text)) {
            return yield* new IdentityUnavailable({ subject, message: `${url} answered more than ${options.maxBodyBytes} bytes` })
          }
          return { status: response.status, text: text.value }
        }).pipe(
          // Identity answers come from the named host itself: a redirect is an answer (a non-200), not a hop.
          Effect.provideService(FetchHttpClient.RequestInit, { redirect: "manual" }),
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => new IdentityUnavailable({ subject, message: `${url} did not answer within ${Duration.format(timeout)}` })
          }),
          Effect.catchTags({
            RequestError: (cause) => Effect.fail(new IdentityUnavailable({ subject, message: `${url}: ${cause.message}`, cause })),
            ResponseError: (cause) => Effect.fail(new IdentityUnavailable({ subject, message: `${url}: ${cause.message}`, cause }))
          })
        )

      const parseJson = (text: string): Option.Option<unknown> => {
        try {
          return Option.some(JSON.parse(text))
        } catch {
          return Option.none()
        }
      }

      const fetchDidDocument = (did: string): Effect.Effect<DidDocument, DidResolutionError> =>
        Effect.gen(function* () {
          const parsed = yield* parseDid(did)
          const url = parsed.method === "plc" ? `${plcUrl}/${parsed.did}` : didWebUrl(parsed.host, development)
          if (url === undefined) {
            return yield* new DidNotFound({
              did,
              message: "did:web is resolved only over https from a public host name on the default port"
            })
          }
          const { status, text } = yield* getText(did, url, DID_ACCEPT)
          if (status >= 500 || status === 408 || status === 429) {
            return yield* new IdentityUnavailable({ subject: did, message: `${url} answered ${status}` })
          }
          if (status === 404 || status === 410) {
            return yield* new DidNotFound({ did, message: status === 410 ? `${did} is deactivated` : `${did} does not exist` })
          }
          if (status !== 200) {
            return yield* new DidNotFound({ did, message: `${url} answered ${status}` })
          }
          const json = parseJson(text)
          if (Option.isNone(json)) {
            return yield* new DidDocumentInvalid({ did, message: `${url} did not answer JSON` })
          }
          return yield* decodeDidDocument(did, json.value)
        })

      const viaDns = (handle: string): Effect.Effect<Option.Option<string>, IdentityUnavailable> =>
        Effect.gen(function* () {
          const url = new URL(env.DOH_URL)
          url.searchParams.set("name", `_atproto.${handle}`)
          url.searchParams.set("type", "TXT")
          const { status, text } = yield* getText(handle, url.toString(), "application/dns-json")
          const answer = Option.flatMap(parseJson(text), Schema.decodeUnknownOption(DohAnswer))
          if (status !== 200 || Option.isNone(answer)) {
            return yield* new IdentityUnavailable({ subject: handle, message: `DNS-over-HTTPS answered ${status}` })
          }
          if (answer.value.Status === DNS_NXDOMAIN) return Option.none()
          if (answer.value.Status !== DNS_NOERROR) {
            return yield* new IdentityUnavailable({ subject: handle, message: `DNS lookup failed (rcode ${answer.value.Status})` })
          }
          const dids = (answer.value.Answer ?? [])
            .filter((record) => record.type === DNS_TXT)
            .map((record) => txtValue(record.data))
            .filter((value) => value.startsWith("did="))
            .map((value) => value.slice("did=".length).trim())
          // More than one did= record is ambiguous: the spec says treat it as no answer.
          return dids.length === 1 && Schema.is(Did)(dids[0]) ? Option.some(dids[0]!) : Option.none()
        })

      // A host that does not exist or is down looks the same from here: no answer, not an outage.
      const viaWellKnown = (handle: string): Effect.Effect<Option.Option<string>> =>
        getText(handle, `https://${handle}/.well-known/atproto-did`, "text/plain").pipe(
          Effect.map(({ status, text }) => {
            const did = text.split("\n")[0]!.trim()
            return status === 200 && Schema.is(Did)(did) ? Option.some(did) : Option.none()
          }),
          Effect.orElseSucceed(() => Option.none<string>())
        )

      // Both lookups start together. DNS TXT is the canonical method and wins when it names a DID (the HTTP
      // lookup is then interrupted); otherwise the well-known answer decides.
      const fetchHandle = (handle: string): Effect.Effect<string, HandleResolutionError> =>
        Effect.gen(function* () {
          const normalized = yield* normalizeHandle(handle)
          const http = yield* Effect.fork(viaWellKnown(normalized))
          const dns = yield* Effect.either(viaDns(normalized))
          if (dns._tag === "Right" && Option.isSome(dns.right)) {
            yield* Fiber.interrupt(http)
            return dns.right.value
          }
          const fromHttp = yield* Fiber.join(http)
          if (Option.isSome(fromHttp)) return fromHttp.value
          if (dns._tag === "Left") return yield* dns.left
          return yield* new HandleNotFound({ handle, message: `no DNS TXT record or well-known DID for ${normalized}` })
        })

      const timeToLive =
        (positive: Duration.DurationInput) =>
        (exit: Exit.Exit<unknown, { readonly _tag: string }>): Duration.DurationInput =>
          Exit.isSuccess(exit)
            ? positive
            : Option.exists(Cause.failureOption(exit.cause), (error) => error._tag !== "IdentityUnavailable")
              ? options.negativeTtl
              : Duration.zero

      // Finished answers only, shared by the isolate's requests; a burst of misses for one DID waits on its
      // own timer for the first caller's answer instead of joining that caller's in-flight fetch.
      const follow = { pollEvery: "10 millis", maxWait: options.requestTimeout } as const
      const didCache = yield* makeFinishedValueCache({
        capacity: options.capacity,
        lookup: fetchDidDocument,
        timeToLive: timeToLive(options.didTtl),
        follow
      })
      const handleCache = yield* makeFinishedValueCache({
        capacity: options.capacity,
        lookup: (handle: string) => fetchHandle(handle),
        timeToLive: timeToLive(options.handleTtl),
        follow
      })

      const lastForcedRefresh = new Map<string, number>()
      const minForcedRefreshMillis = Duration.toMillis(options.minForcedRefreshInterval)

      /** Reads through a cache; a forced refresh refetches (rate-limited per key); outages are never kept. */
      const readThrough = <A, E extends { readonly _tag: string }>(
        cache: FinishedValueCache<string, A, E>,
        key: string,
        resolveOptions: ResolveOptions | undefined
      ): Effect.Effect<A, E> =>
        Effect.gen(function* () {
          if (resolveOptions?.forceRefresh === true) {
            const now = yield* Clock.currentTimeMillis
            const last = lastForcedRefresh.get(key)
            if (last === undefined || now - last >= minForcedRefreshMillis) {
              lastForcedRefresh.set(key, now)
              if (lastForcedRefresh.size > options.capacity) lastForcedRefresh.clear()
              yield* cache.invalidate(key)
            }
          }
          return yield* cache.get(key)
        })

      const resolveDid = (did: string, resolveOptions?: ResolveOptions) => readThrough(didCache, did, resolveOptions)

      return IdentityResolver.of({
        resolveDid,
        getSigningKey: (did, resolveOptions) => Effect.flatMap(resolveDid(did, resolveOptions), signingKeyOf),
        getPdsEndpoint: (did, resolveOptions) => Effect.flatMap(resolveDid(did, resolveOptions), pdsEndpointOf),
        resolveHandle: (handle, resolveOptions) =>
          Effect.flatMap(normalizeHandle(handle), (normalized) => readThrough(handleCache, normalized, resolveOptions)),
        invalidate: (did) => didCache.invalidate(did)
      })
    })
  )

/** The production layer, with the default timeouts and TTLs. */
export const IdentityResolverLive = makeIdentityResolverLive()
