import http from "node:http"
import type { AddressInfo } from "node:net"

/** One request as a stand-in server saw it. */
export interface Seen {
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string
}

export interface Reply {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body?: string
  /** Answer only after this long (to provoke a client timeout). */
  readonly delayMs?: number
  /** Send the headers and the body's first byte at once, the rest only after this long (a body that trickles). */
  readonly bodyDelayMs?: number
}

/**
 * A local HTTP server for Live-layer tests: records every request and answers with `respond(seen)`.
 * Listens on 127.0.0.1 only.
 */
export const startStandIn = async (respond: (seen: Seen) => Reply | Promise<Reply>) => {
  const seen: Array<Seen> = []
  const timers = new Set<NodeJS.Timeout>()
  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", async () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)])
      )
      const request: Seen = { method: req.method ?? "", path: req.url ?? "", headers, body: Buffer.concat(chunks).toString("utf8") }
      seen.push(request)
      let reply: Reply
      try {
        reply = await respond(request)
      } catch (error) {
        reply = { status: 599, body: JSON.stringify({ error: "StandInAssertion", message: String(error) }) }
      }
      const send = () => {
        if (res.destroyed) return
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers })
        const body = reply.body ?? ""
        if (reply.bodyDelayMs === undefined) return void res.end(body)
        res.write(body.slice(0, 1))
        const t = setTimeout(() => (timers.delete(t), res.destroyed || res.end(body.slice(1))), reply.bodyDelayMs)
        timers.add(t)
      }
      if (reply.delayMs) {
        const t = setTimeout(() => (timers.delete(t), send()), reply.delayMs)
        timers.add(t)
      } else send()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t)
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
