import { DurableObject } from "cloudflare:workers"
import type { Env } from "../../layers/CloudflareEnv"
import type { HealthProbe } from "../health"

/**
 * One per user DID: calendar connectors, single-refresher token refresh, throttled provider calls.
 *
 * Only the health probe exists so far; connectors land with the calendar-connectors issue (#6).
 */
export class UserConnectorDO extends DurableObject<Env> implements HealthProbe {
  async health() {
    return { object: "UserConnectorDO", ok: true } as const
  }
}
