import { DurableObject } from "cloudflare:workers"
import type { Env } from "../../layers/CloudflareEnv"
import type { HealthProbe } from "../health"

/**
 * One per firehose source: the outbound WebSocket, frame decoding and the cursor.
 *
 * Only the health probe exists so far; ingest lands with the firehose issue (#5).
 */
export class FirehoseDO extends DurableObject<Env> implements HealthProbe {
  async health() {
    return { object: "FirehoseDO", ok: true } as const
  }
}
