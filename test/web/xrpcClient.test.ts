// The web app's typed XRPC client (web/app/lib/xrpc.ts): what goes on the wire. Overlap's booking procedures
// refuse a call without an Idempotency-Key (400), so every procedure the pages send must carry one.
import { describe, expect, it } from "vitest"
import { IDEMPOTENCY_KEY, XrpcError, xrpcClient } from "../../web/app/lib/xrpc"

const recording = (answer: () => Response) => {
  const sent: Array<Request> = []
  const client = xrpcClient(async (request) => (sent.push(request), answer()), "http://127.0.0.1:8785", { cookie: "overlap-session=abc" })
  return { client, sent }
}

describe("web xrpc client", () => {
  it("puts a fresh Idempotency-Key on every procedure, keeps one the caller gives, and none on queries", async () => {
    const { client, sent } = recording(() => Response.json({ booking: {} }))
    await client.procedure("app.overlap.finalize", { bookingId: "b1" })
    await client.procedure("app.overlap.finalize", { bookingId: "b1" })
    await client.procedure("app.overlap.cancel", { bookingId: "b1" }, { [IDEMPOTENCY_KEY]: "mine-0123456789abcdef" })
    await client.query("app.overlap.listBookings", { role: "host", limit: 5 })
    const keys = sent.map((request) => request.headers.get(IDEMPOTENCY_KEY))
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(keys[1]).toMatch(/^[0-9a-f-]{36}$/)
    expect(keys[1]).not.toBe(keys[0])
    expect(keys[2]).toBe("mine-0123456789abcdef")
    expect(keys[3]).toBeNull()
    expect(sent[0]!.method).toBe("POST")
    expect(sent[0]!.headers.get("cookie")).toBe("overlap-session=abc")
    expect(await sent[0]!.json()).toEqual({ bookingId: "b1" })
    expect(sent[3]!.url).toBe("http://127.0.0.1:8785/xrpc/app.overlap.listBookings?role=host&limit=5")
  })

  it("turns an XRPC error answer into XrpcError with its name, status and the wait of a 429", async () => {
    const { client } = recording(() => Response.json({ error: "RateLimited", message: "slow down" }, { status: 429, headers: { "retry-after": "12" } }))
    const failure = await client.procedure("app.overlap.match", { hostDid: "did:plc:x", constraints: { durationMin: 30, durationMax: 30, tz: "UTC" } }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(XrpcError)
    expect(failure).toMatchObject({ status: 429, error: "RateLimited", retryAfterSec: 12 })
  })
})
