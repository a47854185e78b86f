import { DurableObject } from "cloudflare:workers"
import type { Env } from "../../layers/CloudflareEnv"
import type { HealthProbe } from "../health"

/**
 * One per caller DID or anonymous IP prefix: token buckets.
 *
 * Only the health probe exists so far; the buckets land with the matching issue (#3).
 */
export class RateLimiterDO extends DurableObject<Env> implements HealthProbe {
  async health() {
    return { object: "RateLimiterDO", ok: true } as const
  }
}
