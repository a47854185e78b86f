import type { WebEnv } from "../../workers/env"
import { xrpcClient, type XrpcClient } from "./xrpc"

/**
 * The AppView as this visitor: calls go through the APPVIEW service binding and carry the visitor's cookie
 * (their session, once signed in) and address, so the AppView answers exactly what it would answer the browser.
 */
export const appviewFor = (env: WebEnv, request: Request): XrpcClient => {
  const forwarded = new Headers()
  for (const name of ["cookie", "cf-connecting-ip", "user-agent", "accept-language"]) {
    const value = request.headers.get(name)
    if (value !== null) forwarded.set(name, value)
  }
  return xrpcClient((outgoing) => env.APPVIEW.fetch(outgoing), new URL(request.url).origin, forwarded)
}
