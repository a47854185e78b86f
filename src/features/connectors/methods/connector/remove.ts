import { Effect, Option } from "effect"
import type { ConnectorRemoveInput } from "../../../../lexicon/schemas"
import { ConnectorNotFound, ConnectorsRepo } from "../../../../services/ConnectorsRepo"
import { UserConnectors } from "../../../../services/UserConnectors"
import { Caller } from "../../../xrpc/Caller"
import { ProviderUnreachableError } from "../../ConnectorsApi"

/** app.overlap.connector.remove: disconnect one of the caller's calendars (another user's is "not found"). */
export const remove = ({ payload }: { readonly payload: ConnectorRemoveInput }) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const repo = yield* ConnectorsRepo
    const notFound = new ConnectorNotFound({ id: payload.connectorId })
    const row = yield* repo.get(payload.connectorId).pipe(Effect.orDie)
    if (Option.isNone(row) || row.value.did !== caller.did || row.value.status === "removed") return yield* notFound
    const connectors = yield* UserConnectors
    yield* connectors.remove(caller.did, payload.connectorId).pipe(
      Effect.catchTag("ProviderUnavailable", () =>
        Effect.fail(new ProviderUnreachableError({ message: "the connector could not be removed right now; try again" })))
    )
    return {}
  })
