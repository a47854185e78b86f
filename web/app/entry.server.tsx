import { isbot } from "isbot"
import { renderToReadableStream } from "react-dom/server"
import type { AppLoadContext, EntryContext } from "react-router"
import { ServerRouter } from "react-router"

/**
 * Server rendering on the Worker: streamed to browsers; for bots and link previews (Bluesky's card fetcher) the
 * whole document is awaited, so the Open Graph tags and the content arrive complete.
 */
export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  routerContext: EntryContext,
  _loadContext: AppLoadContext
) {
  let status = responseStatusCode
  const body = await renderToReadableStream(<ServerRouter context={routerContext} url={request.url} />, {
    signal: request.signal,
    onError(error: unknown) {
      status = 500
      console.error(error)
    }
  })
  if (isbot(request.headers.get("user-agent") ?? "")) await body.allReady
  responseHeaders.set("Content-Type", "text/html; charset=utf-8")
  responseHeaders.set("X-Content-Type-Options", "nosniff")
  responseHeaders.set("Referrer-Policy", "strict-origin-when-cross-origin")
  return new Response(body, { headers: responseHeaders, status })
}
