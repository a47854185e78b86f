// Dead letters and the vault key ring (issue 17, TokenVault robustness item 3) through the AppView worker in workerd: a
// dead letter recorded by the `*-dlq` consumer under key k1 is counted by the operator's in-use check (k1 cannot be
// removed), re-wrapped under k2 by the refresh-oauth cron's rotation job, and — k1 removed — still opens on the
// console's /admin/dead-letters (local Access signer). Before, the rotation skipped dead_letters: k1 was reported
// removable and the record answered 503 once it was gone.
import { createExecutionContext, createMessageBatch, createScheduledController, env, fetchMock, waitOnExecutionContext } from "cloudflare:test"
import { Encoding } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import appview from "../../src/entry/appview"
import type { Env } from "../../src/platform/CloudflareEnv"
import { ACCESS_AUD, ACCESS_ISSUER, ACCESS_TEAM, type AccessSigner, accessSigner, accessToken } from "../support/accessSigner"

const ORIGIN = "http://localhost"
const K1 = Encoding.encodeBase64(new Uint8Array(32).fill(0x61))
const K2 = Encoding.encodeBase64(new Uint8Array(32).fill(0x62))
const ADDRESS = "rotated.person@example.org"
let key: AccessSigner

const envWith = (current: string, keys: Record<string, string>): Env => ({
  ...env,
  ENVIRONMENT: "production",
  OPERATOR_SECRET: "operator-secret",
  ACCESS_TEAM_DOMAIN: ACCESS_TEAM,
  ACCESS_AUD,
  WORKER_HEALTH_URLS: "{}",
  TOKEN_VAULT_KEYS: JSON.stringify({ current, keys })
} as unknown as Env)
const onlyK1 = envWith("k1", { k1: K1 })
const rotating = envWith("k2", { k1: K1, k2: K2 })
const onlyK2 = envWith("k2", { k2: K2 })

const open = async (workerEnv: Env, id: string) => {
  const response = await appview.fetch(
    new Request(`${ORIGIN}/admin/dead-letters?id=${id}`, { headers: { "cf-access-jwt-assertion": await accessToken(key) } }) as Request<unknown, IncomingRequestCfProperties>,
    workerEnv
  )
  return { status: response.status, text: await response.text() }
}

const removable = async (workerEnv: Env, keyId: string) => {
  const response = await appview.fetch(
    new Request(`${ORIGIN}/operator/vault-keys?remove=${keyId}`, { headers: { authorization: "Bearer operator-secret" } }) as Request<unknown, IncomingRequestCfProperties>,
    workerEnv
  )
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

beforeAll(async () => {
  key = await accessSigner("team-key-dead-letter-rotation")
  fetchMock.activate()
  fetchMock.disableNetConnect()
})
beforeEach(() => {
  fetchMock.get(ACCESS_ISSUER).intercept({ path: "/cdn-cgi/access/certs" })
    .reply(200, JSON.stringify({ keys: [key.jwk] }), { headers: { "content-type": "application/json" } }).persist()
})
afterAll(() => fetchMock.deactivate())

describe("dead letters and vault key rotation (through the AppView)", () => {
  it("a dead letter sealed under k1 blocks removing k1, is re-wrapped by the cron, and opens with k1 gone", async () => {
    const envelope = {
      reason: "delivery-failed",
      messageId: "n-rot",
      attempts: 8,
      error: `550 mailbox ${ADDRESS} unavailable`,
      body: { channel: "email", target: ADDRESS, id: "notice-rot", event: { type: "booking.canceled" } }
    }
    const batch = createMessageBatch<unknown>("notify-tasks-dlq", [{ id: "dl-rot-1", body: envelope, timestamp: new Date(), attempts: 1 }])
    await (appview.queue as (b: MessageBatch<unknown>, e: Env, c: ExecutionContext) => Promise<void>)(batch, onlyK1, createExecutionContext())
    const sealed = await env.DB.prepare("SELECT key_id, body_ciphertext, error_ciphertext FROM dead_letters WHERE id = 'dl-rot-1'").first<Record<string, string>>()
    expect(sealed).toMatchObject({ key_id: "k1", body_ciphertext: expect.stringMatching(/^v1\.k1\./), error_ciphertext: expect.stringMatching(/^v1\.k1\./) })
    expect((await open(onlyK1, "dl-rot-1")).status).toBe(200)

    // k2 added and made current: k1 still seals the dead letter, so the operator may not remove it yet
    expect(await removable(rotating, "k1")).toMatchObject({ status: 409, body: { error: "VaultKeyInUse", uses: ["1 recorded dead letter(s)"] } })

    const ctx = createExecutionContext()
    await appview.scheduled(createScheduledController({ cron: "*/10 * * * *", scheduledTime: Date.now() }), rotating, ctx)
    await waitOnExecutionContext(ctx)
    const rotated = await env.DB.prepare("SELECT key_id, body_ciphertext, error_ciphertext FROM dead_letters WHERE id = 'dl-rot-1'").first<Record<string, string>>()
    expect(rotated).toMatchObject({ key_id: "k2", body_ciphertext: expect.stringMatching(/^v1\.k2\./), error_ciphertext: expect.stringMatching(/^v1\.k2\./) })
    expect(await removable(rotating, "k1")).toEqual({ status: 200, body: { keyId: "k1", removable: true } })

    // k1 removed from the ring: the console still opens the record, body and error (addresses masked)
    const opened = await open(onlyK2, "dl-rot-1")
    expect(opened.status).toBe(200)
    expect(opened.text).toContain("booking.canceled")
    expect(opened.text).toContain("550 mailbox r…@example.org unavailable")
    expect(opened.text).not.toContain(ADDRESS)
  })
})
