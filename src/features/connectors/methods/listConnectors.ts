import { Effect } from "effect"
import { ConnectorsRepo } from "../../../services/ConnectorsRepo"
import { MAX_CONNECTORS_PER_USER } from "../../../services/UserConnectors"
import { Caller } from "../../xrpc/Caller"
import { toConnectorView } from "../connectorView"
import { effectiveHoldsTarget } from "../holdsTarget"

/** app.overlap.listConnectors: the caller's connectors, never a credential. */
export const listConnectors = () =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const repo = yield* ConnectorsRepo
    const rows = yield* repo.listForDid(caller.did).pipe(Effect.orDie)
    const target = effectiveHoldsTarget(rows)
    return { connectors: rows.slice(0, MAX_CONNECTORS_PER_USER).map((row) => toConnectorView(row, row.id === target?.id)) }
  })
