import { Effect } from "effect"
import { Analytics } from "../../services/Analytics"
import { OverlapApi } from "../OverlapApi"
import { nsidOf, xrpcRoutes } from "./xrpcGate"

const served = xrpcRoutes(OverlapApi)

/**
 * The method a request is counted under: a method the AppView serves, else `unknown` (a caller must not be able to
 * make up label values), `none` for a path that is not /xrpc/.
 */
export const xrpcMethodLabel = (pathname: string): string => {
  const nsid = nsidOf(pathname)
  if (nsid === undefined) return "none"
  return served.has(nsid) ? nsid : "unknown"
}

/** Reports one answered XRPC request (`xrpc_request`: 4xx/5xx per method, latency for the availability SLO). */
export const observeXrpc = (pathname: string, status: number, ms: number): Effect.Effect<void, never, Analytics> =>
  Effect.flatMap(Analytics, (analytics) => analytics.xrpcRequest(xrpcMethodLabel(pathname), status, ms))
