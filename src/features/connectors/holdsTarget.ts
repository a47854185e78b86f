import type { Connector } from "../../services/ConnectorsRepo"

/**
 * The connector whose calendar takes the owner's holds: the one marked for holds while it is active, else the
 * oldest active one (the chosen one was removed or is broken). The connector object decides with the same rule.
 */
export const effectiveHoldsTarget = (list: ReadonlyArray<Connector>): Connector | undefined =>
  list.find((row) => row.holdsTarget && row.status === "active") ?? list.find((row) => row.status === "active")
