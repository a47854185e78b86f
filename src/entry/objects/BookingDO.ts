import { DurableObject } from "cloudflare:workers"
import type { Env } from "../../layers/CloudflareEnv"
import type { HealthProbe } from "../health"

/**
 * One per booking: the serialized booking state machine.
 *
 * Only the health probe exists so far; the state machine lands with the booking-lifecycle issue (#4).
 */
export class BookingDO extends DurableObject<Env> implements HealthProbe {
  async health() {
    return { object: "BookingDO", ok: true } as const
  }
}
