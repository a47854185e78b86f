/** The XRPC answer for a path this worker does not serve. */
export const xrpcNotImplemented = (url: URL): Response =>
  Response.json(
    { error: url.pathname.startsWith("/xrpc/") ? "MethodNotImplemented" : "NotFound", message: `${url.pathname} is not served here` },
    { status: url.pathname.startsWith("/xrpc/") ? 501 : 404 }
  )
