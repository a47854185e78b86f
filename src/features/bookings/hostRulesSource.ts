import { Context } from "effect"
import { DEFAULT_HOST_RULES, type HostBookingRules } from "../../domain/matching/hostRules"

/**
 * Where a host's rules come from for a reschedule. No record or table stores a host's own rules yet, so every
 * host has `DEFAULT_HOST_RULES` (guests may not move meetings); a test, or later a rules store, provides another.
 */
export class HostRulesSource extends Context.Reference<HostRulesSource>()("overlap/HostRulesSource", {
  defaultValue: (): ((hostDid: string) => HostBookingRules) => () => DEFAULT_HOST_RULES
}) {}
