import type { HttpApi } from "@effect/platform"
import { xrpcErrorResponse } from "./XrpcErrors"

export interface XrpcRoute {
  readonly nsid: string
  readonly method: "GET" | "POST"
}

const XRPC_PREFIX = "/xrpc/"

/** The XRPC methods an HttpApi serves, read off its endpoint definitions (one source of truth). */
export const xrpcRoutes = (api: HttpApi.HttpApi.Any): ReadonlyMap<string, XrpcRoute> => {
  const routes = new Map<string, XrpcRoute>()
  const groups = (api as unknown as { groups: Record<string, { endpoints: Record<string, { path: string; method: string }> }> }).groups
  for (const group of Object.values(groups)) {
    for (const endpoint of Object.values(group.endpoints)) {
      if (!endpoint.path.startsWith(XRPC_PREFIX)) continue
      const nsid = endpoint.path.slice(XRPC_PREFIX.length)
      routes.set(nsid, { nsid, method: endpoint.method === "POST" ? "POST" : "GET" })
    }
  }
  return routes
}

/** What a request path names: an XRPC method, an /xrpc/ path whose percent-encoding does not decode, or neither. */
export type XrpcPath =
  | { readonly _tag: "Method"; readonly nsid: string }
  | { readonly _tag: "Malformed" }
  | { readonly _tag: "NotXrpc" }

export const parseXrpcPath = (pathname: string): XrpcPath => {
  if (!pathname.startsWith(XRPC_PREFIX)) return { _tag: "NotXrpc" }
  try {
    return { _tag: "Method", nsid: decodeURIComponent(pathname.slice(XRPC_PREFIX.length)).replace(/\/+$/, "") }
  } catch {
    // a URIError thrown here once escaped the handler and left the request hanging
    return { _tag: "Malformed" }
  }
}

/** The NSID named by an /xrpc/<nsid> path, or undefined for any other path (or one that does not decode). */
export const nsidOf = (pathname: string): string | undefined => {
  const path = parseXrpcPath(pathname)
  return path._tag === "Method" ? path.nsid : undefined
}

/**
 * Answers what the API itself must not see: an unknown or not-yet-served method is 501
 * MethodNotImplemented; a query called with POST (or a procedure with GET) is 405 InvalidRequest.
 * Returns undefined when the request may proceed to the API.
 */
export const gateXrpc = (routes: ReadonlyMap<string, XrpcRoute>, request: Request, nsid: string): Response | undefined => {
  const route = routes.get(nsid)
  if (!route) return xrpcErrorResponse(501, "MethodNotImplemented", `${nsid} is not implemented by this service`)
  const method = request.method === "HEAD" ? "GET" : request.method
  if (method !== route.method) {
    const kind = route.method === "GET" ? "query (use GET)" : "procedure (use POST)"
    return xrpcErrorResponse(405, "InvalidRequest", `${nsid} is a ${kind}`)
  }
  return undefined
}
