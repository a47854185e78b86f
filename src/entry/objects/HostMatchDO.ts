import { DurableObject } from "cloudflare:workers"
import type { Env } from "../../layers/CloudflareEnv"
import type { HealthProbe } from "../health"

/**
 * One per host DID (or host+day shard): the single writer for a host's holds.
 *
 * Only the health probe exists so far; candidate generation and atomic holds land with the matching issue (#3).
 */
export class HostMatchDO extends DurableObject<Env> implements HealthProbe {
  async health() {
    return { object: "HostMatchDO", ok: true } as const
  }
}
