import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll } from "vitest"
import { makeOutboundGuardLive } from "../../src/adapters/http/OutboundGuardLive"
import { isPublicAddress, parseIpv6 } from "../../src/domain/network/ipAddress"
import { checkOutboundUrl, parseAllowedPorts } from "../../src/domain/network/outboundUrl"
import { OutboundGuard } from "../../src/services/OutboundGuard"

describe("isPublicAddress", () => {
  it("refuses loopback, private, link-local, metadata, CGNAT, documentation, multicast — v4 and v6", () => {
    const inside = [
      "127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
      "0.0.0.0", "192.0.2.5", "198.51.100.7", "203.0.113.9", "198.18.0.1", "224.0.0.1", "255.255.255.255",
      "::1", "::", "[::1]", "fc00::1", "fd12:3456::1", "fe80::1", "fe80::1%eth0", "ff02::1", "2001:db8::1",
      "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:c0a8:0101::1", "::127.0.0.1",
      "not-an-ip", "1.2.3", "01.2.3.4", "1.2.3.256"
    ]
    for (const address of inside) expect(isPublicAddress(address), address).toBe(false)
  })

  it("accepts public addresses", () => {
    for (const address of ["1.1.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:1.1.1.1", "64:ff9b::101:101", "[2a00:1450:4001::200e]"]) {
      expect(isPublicAddress(address), address).toBe(true)
    }
  })

  it("parses compressed and dotted IPv6 forms exactly", () => {
    expect(parseIpv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304])
    expect(parseIpv6("2001:db8::8:800:200c:417a")).toEqual([0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a])
    expect(parseIpv6("1::2::3")).toBeUndefined()
    expect(parseIpv6("1:2:3:4:5:6:7:8:9")).toBeUndefined()
  })
})

describe("checkOutboundUrl", () => {
  const production = { development: false, allowedPorts: [] }
  it("outside development: https, default port, public names or addresses only", () => {
    expect(Either.isRight(checkOutboundUrl("https://hooks.example.com/overlap", production))).toBe(true)
    const refused = {
      "http://hooks.example.com/": "must use https",
      "https://hooks.example.com:8443/": "default port",
      "https://127.0.0.1/": "private or reserved",
      "https://[::1]/": "private or reserved",
      "https://169.254.169.254/latest/meta-data": "private or reserved",
      "https://localhost/": "public host",
      "https://metadata.google.internal/": "public host",
      "https://user:pw@hooks.example.com/": "credentials",
      "https://[::1": "absolute URL"
    }
    for (const [url, reason] of Object.entries(refused)) {
      const result = checkOutboundUrl(url, production)
      expect(Either.isLeft(result) && result.left, url).toContain(reason)
    }
  })

  it("the operator may allow named ports; development allows loopback and http", () => {
    expect(Either.isRight(checkOutboundUrl("https://dav.example.com:8443/", { development: false, allowedPorts: parseAllowedPorts("8443, x, 70000") }))).toBe(true)
    expect(parseAllowedPorts("8443, x, 70000")).toEqual([8443])
    expect(Either.isRight(checkOutboundUrl("http://127.0.0.1:5232/", { development: true, allowedPorts: [] }))).toBe(true)
  })
})

// --- OutboundGuardLive against a local DNS-over-HTTPS server (the JSON form Cloudflare and Google serve) ---

let doh: http.Server
let dohUrl: string
const zone: Record<string, { A?: Array<string>; AAAA?: Array<string> }> = {
  "hooks.example.com": { A: ["93.184.215.14"], AAAA: ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"] },
  "127.0.0.1.nip.io": { A: ["127.0.0.1"] },
  "sneaky.example.com": { A: ["93.184.215.14"], AAAA: ["fd00::5"] },
  "metadata.example.com": { A: ["169.254.169.254"] }
}
const questions: Array<string> = []

beforeAll(async () => {
  doh = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const name = url.searchParams.get("name") ?? ""
    const type = Number(url.searchParams.get("type"))
    questions.push(`${name}/${type}`)
    if (name === "down.example.com") return void res.writeHead(503).end()
    const entry = zone[name]
    if (entry === undefined) return void res.writeHead(200, { "content-type": "application/dns-json" }).end(JSON.stringify({ Status: 3 }))
    const data = type === 1 ? entry.A ?? [] : entry.AAAA ?? []
    res.writeHead(200, { "content-type": "application/dns-json" })
    res.end(JSON.stringify({ Status: 0, Answer: data.map((d) => ({ name, type, TTL: 60, data: d })) }))
  })
  await new Promise<void>((resolve) => doh.listen(0, "127.0.0.1", resolve))
  dohUrl = `http://127.0.0.1:${(doh.address() as AddressInfo).port}/dns-query`
})
afterAll(() => new Promise<void>((resolve) => doh.close(() => resolve())))

const guard = (development = false) =>
  Layer.suspend(() => makeOutboundGuardLive({ development, allowedPorts: [], dohUrl, timeout: "2 seconds" })).pipe(
    Layer.provide(FetchHttpClient.layer)
  )

describe("OutboundGuardLive", () => {
  it.live("a name is allowed only when every A and AAAA address is public", () =>
    Effect.gen(function* () {
      const outbound = yield* OutboundGuard
      expect((yield* outbound.check("https://hooks.example.com/x")).hostname).toBe("hooks.example.com")
      for (const [url, reason] of [
        ["https://127.0.0.1.nip.io/", "private or reserved"],
        ["https://sneaky.example.com/", "private or reserved"],
        ["https://metadata.example.com/", "private or reserved"],
        ["https://nowhere.example.com/", "does not resolve"],
        ["https://down.example.com/", "could not be resolved"]
      ] as const) {
        const error = yield* Effect.flip(outbound.check(url))
        expect(error._tag, url).toBe("OutboundRefused")
        expect(error.message, url).toContain(reason)
      }
      expect(questions).toContain("sneaky.example.com/28")
    }).pipe(Effect.provide(guard()))
  )

  it.live("in development the textual rule alone applies: loopback over http, no DNS question", () =>
    Effect.gen(function* () {
      const before = questions.length
      const outbound = yield* OutboundGuard
      expect((yield* outbound.check("http://127.0.0.1:5232/dav/")).port).toBe("5232")
      expect(questions.length).toBe(before)
    }).pipe(Effect.provide(guard(true)))
  )
})
