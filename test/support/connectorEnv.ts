import { Effect } from "effect"
import http from "node:http"
import type { AddressInfo } from "node:net"
import type { Env } from "../../src/platform/CloudflareEnv"
import { ConnectorBroken, ProviderUnavailable } from "../../src/services/CalendarProvider"
import type { OAuthTokens } from "../../src/services/OAuthClient"

/** A KVNamespace in memory for Node tests (get / put with expirationTtl / delete / list), TTLs recorded, not enforced. */
export const memoryKv = () => {
  const entries = new Map<string, { value: string; expirationTtl: number | undefined }>()
  const kv = {
    entries,
    get: async (key: string) => entries.get(key)?.value ?? null,
    put: async (key: string, value: string, options?: { expirationTtl?: number }) => {
      entries.set(key, { value, expirationTtl: options?.expirationTtl })
    },
    delete: async (key: string) => {
      entries.delete(key)
    },
    list: async (options?: { prefix?: string }) => ({
      keys: [...entries.keys()].filter((k) => k.startsWith(options?.prefix ?? "")).map((name) => ({ name })),
      list_complete: true
    })
  }
  return kv
}

/** An Env for Node tests: only the vars the connector layers read, the rest left out on purpose. */
export const connectorEnv = (vars: Omit<Partial<Env>, "SESSION_NONCES"> & { SESSION_NONCES: unknown }): Env => ({ ENVIRONMENT: "test", ...vars }) as unknown as Env

/**
 * An access-token getter like the one UserConnectorDO supplies: the current token, or on `forceRefresh`
 * a refresh through `refresh` (keeping a rotated refresh token). Counts refreshes.
 */
export const tokenGetter = (
  initial: { accessToken: string; refreshToken: string },
  refresh: (refreshToken: string) => Effect.Effect<OAuthTokens, unknown>
) => {
  const state = { accessToken: initial.accessToken, refreshToken: initial.refreshToken, refreshes: 0 }
  const get = (forceRefresh: boolean): Effect.Effect<string, ConnectorBroken | ProviderUnavailable> =>
    forceRefresh
      ? refresh(state.refreshToken).pipe(
          Effect.map((tokens) => {
            state.refreshes++
            state.accessToken = tokens.accessToken
            state.refreshToken = tokens.refreshToken
            return tokens.accessToken
          }),
          Effect.mapError((e) =>
            e instanceof ConnectorBroken || e instanceof ProviderUnavailable ? e : new ProviderUnavailable({ provider: "test", cause: e })
          )
        )
      : Effect.succeed(state.accessToken)
  return { get, state }
}

/** Serves a fetch-style handler on 127.0.0.1 (the webhooks worker's handlers, for the fakes to call). */
export const startWebhookServer = async (handle: (request: Request) => Promise<Response>) => {
  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", async () => {
      const body = Buffer.concat(chunks)
      const request = new Request(`http://127.0.0.1${req.url}`, {
        method: req.method,
        headers: Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(", ") : v] as [string, string]])),
        ...(req.method === "GET" || req.method === "HEAD" ? {} : { body })
      })
      const response = await handle(request)
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()))
      res.end(Buffer.from(await response.arrayBuffer()))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}
