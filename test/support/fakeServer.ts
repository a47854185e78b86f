import http from "node:http"
import type { AddressInfo } from "node:net"

/**
 * The shared machinery of the local provider fakes (fakeGoogle.ts, fakeGraph.ts): a node:http server on
 * 127.0.0.1 and a random port, every request recorded, malformed requests answered 400 and recorded
 * separately (tests assert there were none), and scripted faults (429 with Retry-After, 5xx…) for the next
 * matching requests.
 */

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

export interface MalformedRequest {
  readonly method: string
  readonly path: string
  readonly problem: string
}

export interface Fault {
  readonly method?: string
  readonly path: RegExp
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: unknown
  /** How many matching requests get this answer (default 1). */
  times?: number
}

export interface Reply {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  /** Serialized as JSON unless a string (then sent as is). */
  readonly body?: unknown
}

/** Thrown by a handler to answer 400 and record the request as malformed. */
export class Malformed extends Error {}

export const malformedUnless = (condition: unknown, problem: string): void => {
  if (!condition) throw new Malformed(problem)
}

export interface FakeServer {
  readonly url: string
  readonly requests: Array<RecordedRequest>
  readonly malformed: Array<MalformedRequest>
  readonly faults: Array<Fault>
  /** Requests in flight right now and the most ever at once. */
  readonly concurrency: { current: number; max: number }
  /** Requests (method + path) matching `path`. */
  readonly calls: (path: RegExp, method?: string) => ReadonlyArray<RecordedRequest>
  readonly close: () => Promise<void>
}

/**
 * `fault()` returns the scripted answer for this request, if one is due; handlers call it after checking
 * that the request is well-formed and authorized, and before changing any state.
 */
export type Handler = (request: RecordedRequest, fault: () => Reply | undefined) => Reply | Promise<Reply>

const takeFault = (faults: Array<Fault>, request: RecordedRequest): Reply | undefined => {
  const fault = faults.find((f) => (f.method === undefined || f.method === request.method) && f.path.test(request.path))
  if (fault === undefined) return undefined
  fault.times = (fault.times ?? 1) - 1
  if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1)
  return { status: fault.status, headers: fault.headers, body: fault.body }
}

export const startFakeServer = async (handler: Handler, options: { readonly delayMs?: () => number } = {}): Promise<FakeServer> => {
  const requests: Array<RecordedRequest> = []
  const malformed: Array<MalformedRequest> = []
  const faults: Array<Fault> = []
  const concurrency = { current: 0, max: 0 }

  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", async () => {
      concurrency.current++
      concurrency.max = Math.max(concurrency.max, concurrency.current)
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8")
      }
      requests.push(recorded)
      let reply: Reply
      try {
        const delay = options.delayMs?.() ?? 0
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
        reply = await handler(recorded, () => takeFault(faults, recorded))
      } catch (error) {
        if (!(error instanceof Malformed)) throw error
        malformed.push({ method: recorded.method, path: recorded.path, problem: error.message })
        reply = { status: 400, body: { error: "malformed request (fake)", problem: error.message } }
      } finally {
        concurrency.current--
      }
      const body = reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body)
      const headers: Record<string, string> = { ...reply.headers }
      if (body !== "" && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
        headers["content-type"] = "application/json; charset=UTF-8"
      }
      res.writeHead(reply.status, headers).end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    malformed,
    faults,
    concurrency,
    calls: (path, method) => requests.filter((r) => path.test(r.path) && (method === undefined || r.method === method)),
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}

// ------------------------------------------------------------------ request checks shared by both fakes

export const header = (request: RecordedRequest, name: string): string | undefined => {
  const value = request.headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

export const bearerToken = (request: RecordedRequest): string => {
  const auth = header(request, "authorization")
  malformedUnless(auth !== undefined && /^Bearer [\x21-\x7e]+$/.test(auth), "Authorization: Bearer <token> missing or malformed")
  return auth!.slice("Bearer ".length)
}

export const jsonBody = (request: RecordedRequest): Record<string, unknown> => {
  malformedUnless(/^application\/json\b/i.test(header(request, "content-type") ?? ""), `content-type must be application/json, was ${header(request, "content-type")}`)
  let parsed: unknown
  try {
    parsed = JSON.parse(request.body)
  } catch {
    throw new Malformed("body is not JSON")
  }
  malformedUnless(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed), "body must be a JSON object")
  return parsed as Record<string, unknown>
}

export const formBody = (request: RecordedRequest): URLSearchParams => {
  malformedUnless(
    /^application\/x-www-form-urlencoded\b/i.test(header(request, "content-type") ?? ""),
    `content-type must be application/x-www-form-urlencoded, was ${header(request, "content-type")}`
  )
  return new URLSearchParams(request.body)
}

export const noBody = (request: RecordedRequest): void => malformedUnless(request.body === "", `${request.method} must have no body`)

/** RFC 3339 date-time with an explicit offset (what Google wants). */
export const isRfc3339 = (value: unknown): value is string =>
  typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) && !Number.isNaN(Date.parse(value))

export const isIanaZone = (value: unknown): value is string => {
  if (typeof value !== "string") return false
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value })
    return true
  } catch {
    return false
  }
}

/** S256 PKCE check as the authorization server does it. */
export const s256 = async (verifier: string): Promise<string> => {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)))
  return Buffer.from(digest).toString("base64url")
}

export const randomToken = (prefix: string): string => `${prefix}-${crypto.randomUUID()}`

/** Validates an authorization request's query as an OAuth 2.0 + PKCE server would. */
export const checkAuthorizeQuery = (
  query: URLSearchParams,
  expected: { readonly clientId: string; readonly requiredScopes: ReadonlyArray<string>; readonly redirectUri?: string }
): { redirectUri: string; state: string; challenge: string; scopes: Array<string> } => {
  malformedUnless(query.get("response_type") === "code", "response_type must be code")
  malformedUnless(query.get("client_id") === expected.clientId, "unknown client_id")
  const redirectUri = query.get("redirect_uri")
  malformedUnless(redirectUri !== null && /^https?:\/\//.test(redirectUri), "redirect_uri missing")
  if (expected.redirectUri !== undefined) malformedUnless(redirectUri === expected.redirectUri, `redirect_uri not registered: ${redirectUri}`)
  const state = query.get("state")
  malformedUnless(state !== null && state.length >= 16, "state missing or too short")
  malformedUnless(query.get("code_challenge_method") === "S256", "code_challenge_method must be S256")
  const challenge = query.get("code_challenge")
  malformedUnless(challenge !== null && /^[A-Za-z0-9_-]{43}$/.test(challenge), "code_challenge must be a base64url SHA-256")
  const scopes = (query.get("scope") ?? "").split(" ").filter((s) => s !== "")
  for (const scope of expected.requiredScopes) malformedUnless(scopes.includes(scope), `scope ${scope} not requested`)
  return { redirectUri: redirectUri!, state: state!, challenge: challenge!, scopes }
}
