import { Clock, Effect, Option } from "effect"
import type { ProviderUnavailable } from "../../../services/CalendarProvider"
import type { Connector, ConnectorsRepo } from "../../../services/ConnectorsRepo"
import { effectiveHoldsTarget } from "../holdsTarget"
import { internal } from "./connectorErrors"

/** Connector rows are re-read from D1 at least this often (other writers: the connect flow, the API). */
const ROWS_TTL_MS = 30_000

/** The user's connector rows, read from D1 and kept for ROWS_TTL_MS. */
export interface ConnectorRows {
  readonly load: Effect.Effect<ReadonlyArray<Connector>, ProviderUnavailable>
  /** One row read now, if it is this user's and not removed. */
  readonly fresh: (id: string) => Effect.Effect<Option.Option<Connector>, ProviderUnavailable>
  readonly invalidate: () => void
}

export const makeConnectorRows = (did: string, repo: ConnectorsRepo["Type"]): ConnectorRows => {
  let rows: { readonly at: number; readonly list: ReadonlyArray<Connector> } | undefined
  return {
    load: Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      if (rows !== undefined && now - rows.at < ROWS_TTL_MS) return rows.list
      const list = yield* repo.listForDid(did).pipe(Effect.mapError(internal))
      rows = { at: now, list }
      return list
    }),
    fresh: (id) =>
      repo.get(id).pipe(
        Effect.mapError(internal),
        Effect.map(Option.filter((row) => row.did === did && row.status !== "removed"))
      ),
    invalidate: () => void (rows = undefined)
  }
}

/** The connectors that count for busy time and holds: active ones, and broken ones (which refuse). */
export const counted = (list: ReadonlyArray<Connector>) => list.filter((row) => row.status === "active" || row.status === "broken")

/** Where holds go: the connector marked for holds, else the oldest active one. */
export const holdsTarget = effectiveHoldsTarget
