import { Effect, Option } from "effect"
import type { ConnectorRemoveInput } from "../../../../lexicon/schemas"
import { ConnectorsRepo } from "../../../../services/ConnectorsRepo"
import { UserConnectors } from "../../../../services/UserConnectors"
import { Caller } from "../../../xrpc/Caller"
import { ConnectorNotFoundError, ProviderUnreachableError } from "../../ConnectorsApi"

/** app.overlap.connector.remove: disconnect one of the caller's calendars (another user's is "not found"). */
export const remove = ({ payload }: { readonly payload: ConnectorRemoveInput }) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const repo = yield* ConnectorsRepo
    const notFound = new ConnectorNotFoundError({ message: `connectorId: no connector ${payload.connectorId}` })
    const row = yield* repo.get(payload.connectorId).pipe(Effect.orDie)
    if (Option.isNone(row) || row.value.did !== caller.did || row.value.status === "removed") return yield* notFound
    const connectors = yield* UserConnectors
    yield* connectors.remove(caller.did, payload.connectorId).pipe(
      Effect.catchTags({
        ConnectorNotFound: () => Effect.fail(notFound),
        ProviderUnavailable: () => Effect.fail(new ProviderUnreachableError({ message: "the connector could not be removed right now; try again" }))
      })
    )
    return {}
  })
