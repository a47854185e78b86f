import { developmentOutboundGuard } from "../../src/adapters/memory/OutboundGuardTest"
import { FetchHttpClient } from "@effect/platform"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { makeCaldavCalendar } from "../../src/adapters/providers/caldav/CaldavCalendar"
import { mayCarryCredentials } from "../../src/adapters/providers/caldav/caldavHttp"
import { outboundGuardTest } from "../../src/adapters/memory/OutboundGuardTest"
import { OutboundGuard, refuseOutbound } from "../../src/services/OutboundGuard"

/**
 * Status codes Radicale will not produce on demand (429, 503 with Retry-After, 5xx, redirects), from a
 * scripted local server that also records what the connector sent.
 */

interface Seen {
  readonly method: string
  readonly url: string
  readonly authorization: string | undefined
  readonly depth: string | undefined
}

let server: Server
let base = ""
let script: (request: IncomingMessage, response: ServerResponse) => void = (_, response) => response.end()
const seen: Array<Seen> = []

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ method: request.method!, url: request.url!, authorization: request.headers.authorization, depth: request.headers.depth as string | undefined })
    request.resume().on("end", () => script(request, response))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const discoverWith = (respond: typeof script, serverUrl = base) => {
  script = respond
  seen.length = 0
  return makeCaldavCalendar({ outbound: developmentOutboundGuard, connectorId: "c1", serverUrl, username: "ünï", password: "pässword" }).pipe(
    Effect.flatMap((calendar) => Effect.flip(calendar.discover)),
    Effect.provide(FetchHttpClient.layer)
  )
}

const status = (code: number, headers: Record<string, string> = {}) => (_: IncomingMessage, response: ServerResponse) => {
  response.writeHead(code, headers)
  response.end()
}

describe("CalDAV requests go only where the OutboundGuard allows", () => {
  const discoverGuarded = (outbound: OutboundGuard["Type"], serverUrl: string, respond: typeof script = status(207)) => {
    script = respond
    seen.length = 0
    return makeCaldavCalendar({ outbound, connectorId: "c1", serverUrl, username: "u", password: "p" }).pipe(
      Effect.flatMap((calendar) => Effect.flip(calendar.discover)),
      Effect.provide(FetchHttpClient.layer)
    )
  }

  it.live("a server whose name resolves to a private address is never requested", () =>
    Effect.gen(function*() {
      const production = outboundGuardTest({ "dav.example.com": ["10.1.2.3"] })
      const error = yield* discoverGuarded(production, "https://dav.example.com/dav/")
      expect(error).toMatchObject({ _tag: "ConnectorBroken", provider: "caldav" })
      expect(String((error as { reason?: string }).reason)).toContain("private or reserved address")
      expect(seen).toEqual([])
    }))

  it.live("a redirect towards a refused address is not followed, and nothing of it is reported", () =>
    Effect.gen(function*() {
      // the test server itself is allowed; anything else is refused as a private address
      const onlyTheServer = OutboundGuard.of({
        check: (url) => (url.startsWith(base) ? Effect.succeed(new URL(url)) : Effect.fail(refuseOutbound("must not name a private or reserved address")))
      })
      const error = yield* discoverGuarded(onlyTheServer, `${base}/dav/`, status(301, { location: "https://169.254.169.254/latest/meta-data/" }))
      expect(error).toMatchObject({ _tag: "ConnectorBroken" })
      expect(seen).toHaveLength(1)
    }))
})

describe("CalDAV HTTP errors", () => {
  it.live("429 and 503 with Retry-After are ProviderRateLimited", () =>
    Effect.gen(function*() {
      expect(yield* discoverWith(status(429, { "retry-after": "7" }))).toMatchObject({ _tag: "ProviderRateLimited", provider: "caldav", retryAfterMs: 7000 })
      expect(yield* discoverWith(status(503, { "retry-after": "120" }))).toMatchObject({ _tag: "ProviderRateLimited", retryAfterMs: 120_000 })
      // A 429 without a Retry-After still means "slow down".
      expect(yield* discoverWith(status(429))).toMatchObject({ _tag: "ProviderRateLimited", retryAfterMs: 60_000 })
    }))

  it.live("5xx without Retry-After and network failures are ProviderUnavailable", () =>
    Effect.gen(function*() {
      expect(yield* discoverWith(status(503))).toMatchObject({ _tag: "ProviderUnavailable", provider: "caldav" })
      expect(yield* discoverWith(status(500))).toMatchObject({ _tag: "ProviderUnavailable" })
      expect(yield* discoverWith((_, response) => response.destroy())).toMatchObject({ _tag: "ProviderUnavailable" })
      // Nothing listens on port 9 of loopback.
      expect(yield* discoverWith(status(200), "http://127.0.0.1:9")).toMatchObject({ _tag: "ProviderUnavailable" })
    }))

  it.live("401/403 are ConnectorBroken; Basic auth carries the UTF-8 credentials; PROPFIND has Depth", () =>
    Effect.gen(function*() {
      expect(yield* discoverWith(status(401))).toMatchObject({ _tag: "ConnectorBroken", connectorId: "c1" })
      expect(seen[0]).toEqual({
        method: "PROPFIND",
        url: "/.well-known/caldav",
        authorization: `Basic ${Buffer.from("ünï:pässword", "utf8").toString("base64")}`,
        depth: "0"
      })
      expect(yield* discoverWith(status(403))).toMatchObject({ _tag: "ConnectorBroken" })
    }))

  it.live("other 4xx on a multistatus request are ProviderRejected; a bad 207 body too", () =>
    Effect.gen(function*() {
      const principal = `<?xml version="1.0"?><multistatus xmlns="DAV:"><response><href>/p/</href><propstat><prop>` +
        `<current-user-principal><href>/p/</href></current-user-principal></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`
      const afterPrincipal = (code: number, body = "") => (request: IncomingMessage, response: ServerResponse) => {
        if (request.url === "/.well-known/caldav") {
          response.writeHead(207, { "content-type": "application/xml" })
          response.end(principal)
        } else {
          response.writeHead(code, { "content-type": "application/xml" })
          response.end(body)
        }
      }
      expect(yield* discoverWith(afterPrincipal(400))).toMatchObject({ _tag: "ProviderRejected", status: 400 })
      expect(yield* discoverWith(afterPrincipal(207, "<not-xml"))).toMatchObject({ _tag: "ProviderRejected", status: 207 })
      expect(yield* discoverWith(afterPrincipal(207, `<?xml version="1.0"?><html/>`))).toMatchObject({ _tag: "ProviderRejected" })
      // A principal without a calendar home cannot be used.
      expect(yield* discoverWith(afterPrincipal(207, `<?xml version="1.0"?><multistatus xmlns="DAV:"/>`)))
        .toMatchObject({ _tag: "ConnectorBroken", reason: "the CalDAV principal has no calendar-home-set" })
    }))

  it.live("redirects are followed by hand, keeping the method; the password never follows to another host", () =>
    Effect.gen(function*() {
      const error = yield* discoverWith((request, response) => {
        if (request.url === "/.well-known/caldav") {
          response.writeHead(301, { location: "/dav/" })
          response.end()
        } else if (request.url === "/dav/") {
          response.writeHead(302, { location: "http://127.0.0.2:1/elsewhere/" })
          response.end()
        } else {
          response.writeHead(404)
          response.end()
        }
      })
      expect(seen.slice(0, 2).map((s) => [s.method, s.url, s.authorization !== undefined])).toEqual([
        ["PROPFIND", "/.well-known/caldav", true],
        ["PROPFIND", "/dav/", true]
      ])
      // 127.0.0.2 is another origin: the request is made without credentials (and fails: nothing listens).
      expect(error._tag).toBe("ProviderUnavailable")
    }))

  it("credentials go to the same origin or an https sibling host only", () => {
    const from = new URL("https://caldav.icloud.com/")
    expect(mayCarryCredentials(from, new URL("https://caldav.icloud.com/123/principal/"))).toBe(true)
    expect(mayCarryCredentials(from, new URL("https://p42-caldav.icloud.com/123/"))).toBe(true)
    expect(mayCarryCredentials(from, new URL("http://p42-caldav.icloud.com/123/"))).toBe(false)
    expect(mayCarryCredentials(from, new URL("https://evil.example/"))).toBe(false)
    expect(mayCarryCredentials(new URL("https://example.com/"), new URL("https://other.com/"))).toBe(false)
    expect(mayCarryCredentials(new URL("https://dav.example.co.uk/"), new URL("https://x.co.uk/"))).toBe(false)
    expect(mayCarryCredentials(new URL("https://dav.example.co.uk/"), new URL("https://p1.example.co.uk/"))).toBe(true)
    // "co.uk" is a public suffix, not an organisation: no sibling rule without a public suffix list.
    expect(mayCarryCredentials(new URL("https://example.co.uk/"), new URL("https://evil.co.uk/"))).toBe(false)
  })
})
