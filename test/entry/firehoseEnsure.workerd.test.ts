import { env } from "cloudflare:test"
import { describe, expect, it } from "vitest"
import firehose from "../../src/entry/firehose"
import type { Env } from "../../src/platform/CloudflareEnv"

/**
 * Issue 12, item 13: `POST /firehose/ensure` starts ingest and answers with every source, its cursor and its
 * counters, so outside development only an operator may call it (Bearer OPERATOR_SECRET). The firehose worker's
 * own fetch handler, with its FIREHOSE namespace replaced by a recorder (no socket is opened).
 */

const SECRET = "operator-secret-for-tests"
const SOURCE = { id: "relay", kind: "firehose", url: "wss://relay.overlap.test/xrpc/com.atproto.sync.subscribeRepos" }

const makeEnv = (overrides: Partial<Env>) => {
  const started: Array<string> = []
  const namespace = {
    idFromName: (name: string) => ({ name }),
    get: () => ({
      ensureRunning: async (source: typeof SOURCE) => {
        started.push(source.id)
        return { source, running: true, connected: true, cursor: 123456, counters: { frames: 7 } }
      }
    })
  }
  return {
    started,
    env: { ...env, FIREHOSE: namespace, FIREHOSE_SOURCES: JSON.stringify([SOURCE]), ...overrides } as unknown as Env
  }
}

const ensure = (workerEnv: Env, headers: HeadersInit = {}, method = "POST") =>
  firehose.fetch(new Request("https://firehose.overlap.test/firehose/ensure", { method, headers }) as Parameters<typeof firehose.fetch>[0], workerEnv)

describe("POST /firehose/ensure", () => {
  it("outside development: no token, a wrong one or another scheme is 401 and starts nothing, shows nothing", async () => {
    const { env: production, started } = makeEnv({ ENVIRONMENT: "production", OPERATOR_SECRET: SECRET })
    const attempts: Array<Record<string, string>> = [{}, { authorization: "Bearer not-the-secret" }, { authorization: `Basic ${btoa(`admin:${SECRET}`)}` }, { authorization: `Bearer ${SECRET}x` }]
    for (const headers of attempts) {
      const response = await ensure(production, headers)
      expect(response.status, JSON.stringify(headers)).toBe(401)
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /)
      const text = await response.text()
      expect(JSON.parse(text)).toMatchObject({ error: expect.stringMatching(/^(AuthRequired|InvalidToken)$/), message: expect.any(String) })
      expect(text).not.toMatch(/relay|cursor|123456/)
    }
    expect(started).toEqual([])
  })

  it("outside development: the operator's Bearer token starts the sources and shows their state", async () => {
    const { env: production, started } = makeEnv({ ENVIRONMENT: "production", OPERATOR_SECRET: SECRET })
    const response = await ensure(production, { authorization: `Bearer ${SECRET}` })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ sources: [{ source: SOURCE, running: true, connected: true, cursor: 123456, counters: { frames: 7 } }] })
    expect(started).toEqual(["relay"])
  })

  it("outside development with no OPERATOR_SECRET set it stays closed (503), whatever the caller sends", async () => {
    const { env: unset, started } = makeEnv({ ENVIRONMENT: "staging", OPERATOR_SECRET: "" })
    const attempts: Array<Record<string, string>> = [{}, { authorization: "Bearer " }, { authorization: "Bearer anything" }]
    for (const headers of attempts) {
      const response = await ensure(unset, headers)
      expect(response.status).toBe(503)
      expect(await response.json()).toMatchObject({ error: "OperatorNotConfigured", message: expect.stringContaining("OPERATOR_SECRET") })
    }
    expect(started).toEqual([])
  })

  it("in development it is open, so npm run dev can call it without a secret; only POST is served", async () => {
    const { env: development, started } = makeEnv({ ENVIRONMENT: "development" })
    expect((await ensure(development)).status).toBe(200)
    expect(started).toEqual(["relay"])
    expect((await ensure(development, {}, "GET")).status).toBe(405)
  })
})
