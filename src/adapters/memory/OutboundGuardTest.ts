import { Effect, Layer } from "effect"
import type { OutboundUrlPolicy } from "../../domain/network/outboundUrl"
import { makeOutboundCheck, OutboundGuard } from "../../services/OutboundGuard"

/**
 * OutboundGuard over a fixed name → addresses table instead of DNS, with the Live layer's rules: a name missing
 * from the table does not resolve.
 */
export const makeOutboundGuardTest = (
  names: Readonly<Record<string, ReadonlyArray<string>>>,
  policy: OutboundUrlPolicy = { development: false, allowedPorts: [] }
): Layer.Layer<OutboundGuard> =>
  Layer.succeed(
    OutboundGuard,
    OutboundGuard.of({ check: makeOutboundCheck(policy, (host) => Effect.succeed(names[host] ?? [])) })
  )
