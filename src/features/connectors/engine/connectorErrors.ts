import { ConnectorBroken, ProviderUnavailable } from "../../../services/CalendarProvider"
import type { Connector } from "../../../services/ConnectorsRepo"

/** Storage trouble of Overlap's own (D1, the vault, the push channel table): retryable, never "free". */
export const internal = (cause: unknown) => new ProviderUnavailable({ provider: "overlap", cause })

/** The connector cannot be used until its owner connects it again. */
export const brokenError = (row: Pick<Connector, "id" | "provider">, reason = "the connector needs reconnecting") =>
  new ConnectorBroken({ provider: row.provider, connectorId: row.id, reason })

/** No connector of the user can answer (none active). */
export const noActiveConnector = () => new ConnectorBroken({ provider: "overlap", connectorId: "", reason: "no calendar connector is active" })
