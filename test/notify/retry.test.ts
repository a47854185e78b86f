import fs from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { parse } from "smol-toml"
import { backoffSeconds, classifyStatus, isFinalAttempt, parseRetryAfter } from "../../src/domain/notify/retry"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

describe("notify retry policy", () => {
  it("backs off exponentially from 30 s, capped at an hour, never under Retry-After", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((a) => backoffSeconds(a))).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600, 3600])
    expect(backoffSeconds(1, 300)).toBe(300)
    expect(backoffSeconds(1, 999_999)).toBe(3600)
  })

  it("retries timeouts, throttling and 5xx only", () => {
    expect([200, 204, 408, 425, 429, 500, 503, 400, 401, 404, 410, 302].map(classifyStatus)).toEqual([
      "ok", "ok", "retryable", "retryable", "retryable", "retryable", "retryable",
      "permanent", "permanent", "permanent", "permanent", "permanent"
    ])
    expect(parseRetryAfter("120", 0)).toBe(120)
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60)
    expect(parseRetryAfter("soon", 0)).toBeUndefined()
  })

  it("the last delivery is attempt max_retries + 1", () => {
    expect(isFinalAttempt(8, 8)).toBe(false)
    expect(isFinalAttempt(9, 8)).toBe(true)
  })

  it("wrangler.notify.toml: NOTIFY_MAX_RETRIES equals the consumer's max_retries, and the DLQ is bound, in every environment", () => {
    const config = parse(fs.readFileSync(path.join(ROOT, "wrangler.notify.toml"), "utf8")) as any
    const environments = [config, config.env.staging, config.env.production]
    for (const env of environments) {
      const [consumer] = env.queues.consumers
      expect(String(consumer.max_retries)).toBe(env.vars.NOTIFY_MAX_RETRIES)
      const producer = env.queues.producers.find((p: any) => p.binding === "NOTIFY_DEAD_LETTERS")
      expect(producer.queue).toBe(consumer.dead_letter_queue)
      for (const name of ["EMAIL_FROM", "DM_SENDER_DID", "DM_SENDER_PDS", "CHAT_SERVICE_PROXY"]) expect(env.vars).toHaveProperty(name)
    }
  })
})
