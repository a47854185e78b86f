import { env, fetchMock, SELF } from "cloudflare:test"
import { afterEach, beforeAll, describe, expect, it } from "vitest"
import { makeDidDocument } from "../../src/adapters/memory/IdentityResolverTest"
import { makeAccount, type TestAccount } from "./xrpcTestKit"

// Concurrent requests through the real worker entry (SELF: one isolate, one request context each) that all
// miss the same caches at once: no caller's DID document is resolved yet, and every DID is asked for by
// two requests in flight together. Before the fix, the second request of each pair joined the first one's
// in-flight PLC lookup and was canceled or hung when that request ended.
const PLC_ORIGIN = new URL(env.PLC_URL).origin
const AUDIENCE = `${env.APPVIEW_DID}${env.APPVIEW_SERVICE_ID}`
const GUESTS = 25

let guests: Array<TestAccount>

beforeAll(async () => {
  guests = await Promise.all(Array.from({ length: GUESTS }, (_, i) => makeAccount(`burst${"abcdefghijklmnopqrstuvwxyz"[i]}`)))
})

afterEach(() => {
  fetchMock.deactivate()
})

const servePlc = (accounts: ReadonlyArray<TestAccount>, delayMs: number) => {
  fetchMock.activate()
  fetchMock.disableNetConnect()
  const plc = fetchMock.get(PLC_ORIGIN)
  for (const account of accounts) {
    const document = makeDidDocument({ did: account.did, signingKey: account.keypair.did() })
    plc.intercept({ path: `/${account.did}`, method: "GET" }).reply(200, JSON.stringify(document), {
      headers: { "content-type": "application/did+ld+json" }
    }).delay(delayMs).persist()
  }
}

const listBookings = async (account: TestAccount, signal?: AbortSignal) => {
  const token = await account.token("app.overlap.listBookings", { aud: AUDIENCE })
  const response = await SELF.fetch("http://localhost/xrpc/app.overlap.listBookings", {
    headers: { authorization: `Bearer ${token}` },
    ...(signal ? { signal } : {})
  })
  return { status: response.status, body: (await response.json()) as { bookings?: Array<unknown>; error?: string } }
}

describe("a burst of requests whose callers are not resolved yet", () => {
  it("answers every request of 50 (two per caller, in flight together) with 200", async () => {
    servePlc(guests, 150)
    const results = await Promise.all(guests.flatMap((guest) => [listBookings(guest), listBookings(guest)]))
    const statuses = results.map((result) => result.status)
    expect(results.filter((result) => result.status !== 200)).toEqual([])
    for (const result of results) expect(result.body.bookings).toEqual([])
  })

  it("answers a caller whose DID another request was resolving when that request went away", async () => {
    const late = guests.slice(20)
    servePlc(late, 300)
    const outcomes = await Promise.all(
      late.map(async (guest) => {
        const abandoned = new AbortController()
        const first = listBookings(guest, abandoned.signal).then(
          (result) => result.status,
          () => "aborted" as const
        )
        await new Promise((resolve) => setTimeout(resolve, 20))
        const second = listBookings(guest)
        setTimeout(() => abandoned.abort(), 100)
        return { first: await first, second: await second }
      })
    )
    for (const outcome of outcomes) expect(outcome.second).toEqual({ status: 200, body: { bookings: [] } })
  })

  it("keeps answering after the burst, from the documents it finished resolving", async () => {
    servePlc(guests, 150)
    await Promise.all(guests.slice(0, 10).map((guest) => listBookings(guest)))
    // the PLC is gone now: only finished documents can serve these
    fetchMock.deactivate()
    fetchMock.activate()
    fetchMock.disableNetConnect()
    const again = await Promise.all(guests.slice(0, 10).map((guest) => listBookings(guest)))
    expect(again.map((result) => result.status)).toEqual(Array.from({ length: 10 }, () => 200))
  })
})
