import { csrfHeaders } from "./csrf"
import { sentenceFor } from "./errorSentences"
import { XrpcError, xrpcClient, type Procedures } from "./xrpc"

/** The AppView from the browser: same origin (the web Worker forwards /xrpc/*), the session cookie and CSRF header. */
export const browserXrpc = () => xrpcClient((request) => fetch(request, { credentials: "same-origin" }), window.location.origin)

/** A state-changing call from a console page, with the session's CSRF token. */
export const send = <N extends keyof Procedures>(nsid: N, input: Procedures[N]["input"]) => browserXrpc().procedure(nsid, input, csrfHeaders())

/** The sentence for whatever a call failed with. */
export const explain = (error: unknown): string =>
  error instanceof XrpcError ? sentenceFor(error.error, { retryAfterSec: error.retryAfterSec }) : sentenceFor("InternalServerError")
