import { SELF } from "cloudflare:test"
import { describe, expect, it } from "vitest"

describe("appview /healthz", () => {
  it("probes every binding the appview declares and reports them reachable", async () => {
    const response = await SELF.fetch("http://localhost/healthz")
    const body = (await response.json()) as { worker: string; ok: boolean; bindings: Record<string, string> }
    expect(response.status).toBe(200)
    expect(body.worker).toBe("appview")
    expect(body.ok).toBe(true)
    expect(body.bindings).toMatchObject({ DB: "ok", BLOBS: "ok", GRAPH_CACHE: "ok", HOST_MATCH: "ok", BOOKING: "ok", SESSION: "ok", CALENDAR_TASKS: "bound" })
  })
})
