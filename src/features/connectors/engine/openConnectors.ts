import type { HttpClient } from "@effect/platform"
import { Effect } from "effect"
import type { ConnectorBroken, ProviderUnavailable } from "../../../services/CalendarProvider"
import type { Connector } from "../../../services/ConnectorsRepo"
import type { OpenedConnector, ProviderAdapters } from "../../../services/ProviderAdapters"
import { throttledClient } from "../providerThrottle"
import type { Credentials } from "./credentials"
import type { TokenRefresh } from "./tokenRefresh"

/** What a backend was built from: a row that changes any of it gets a new backend. */
const signatureOf = (row: Connector) => JSON.stringify([row.provider, row.accountRef, row.calendars, row.holdsTarget, row.keyId])

/**
 * Each connector opened by its provider's adapter, kept while its row stays the same. Its HTTP client (and
 * so its quota) lives as long as the connector, across rebuilds.
 */
export const makeOpenConnectors = (deps: {
  readonly adapters: ProviderAdapters["Type"]
  readonly http: HttpClient.HttpClient
  readonly tokens: TokenRefresh
  readonly credentials: Credentials
}) => {
  const opened = new Map<string, { readonly signature: string; readonly connector: OpenedConnector }>()
  const clients = new Map<string, HttpClient.HttpClient>()

  const clientFor = (row: Connector) => {
    let client = clients.get(row.id)
    if (client === undefined) {
      client = throttledClient(deps.http, deps.adapters[row.provider].quota)
      clients.set(row.id, client)
    }
    return client
  }

  const open = (row: Connector): Effect.Effect<OpenedConnector, ConnectorBroken | ProviderUnavailable> =>
    Effect.gen(function*() {
      const signature = signatureOf(row)
      const known = opened.get(row.id)
      if (known !== undefined && known.signature === signature) return known.connector
      const connector = yield* deps.adapters[row.provider].open({
        row,
        http: clientFor(row),
        accessToken: deps.tokens.accessToken(row.id),
        credential: deps.credentials.decrypt(row)
      })
      opened.set(row.id, { signature, connector })
      return connector
    })

  return {
    open,
    /** Drops the backend built from the row (rebuilt on next use). */
    forget: (id: string) => void opened.delete(id),
    /** Drops the connector's HTTP client too (it was removed). */
    close: (id: string) => void clients.delete(id)
  }
}

export type OpenConnectors = ReturnType<typeof makeOpenConnectors>
