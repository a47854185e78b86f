import { Effect, Layer } from "effect"
import type { OutboundUrlPolicy } from "../../domain/network/outboundUrl"
import { makeOutboundCheck, OutboundGuard } from "../../services/OutboundGuard"

/**
 * OutboundGuard over a fixed name → addresses table instead of DNS, with the Live layer's rules: a name missing
 * from the table does not resolve. The table is read at each check, so a test may change it (DNS rebinding).
 */
export const outboundGuardTest = (
  names: Readonly<Record<string, ReadonlyArray<string>>>,
  policy: OutboundUrlPolicy = { development: false, allowedPorts: [] }
): OutboundGuard["Type"] => OutboundGuard.of({ check: makeOutboundCheck(policy, (host) => Effect.succeed(names[host] ?? [])) })

export const makeOutboundGuardTest = (
  names: Readonly<Record<string, ReadonlyArray<string>>>,
  policy?: OutboundUrlPolicy
): Layer.Layer<OutboundGuard> => Layer.succeed(OutboundGuard, outboundGuardTest(names, policy))

/** As in development (`npm run dev`, the test servers on 127.0.0.1): the URL's shape only, loopback and http allowed. */
export const developmentOutboundGuard: OutboundGuard["Type"] = outboundGuardTest({}, { development: true, allowedPorts: [] })
