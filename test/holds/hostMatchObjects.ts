import { env, runInDurableObject } from "cloudflare:test"
import type { HostMatchDO } from "../../src/entry/objects/HostMatchDO"

// What the workerd holds tests read back: an object's own hold rows and the D1 mirror of a host's bookings.

/** The HostMatchDO named `name` (a host DID, or a host+day shard name). */
export const hostMatchObject = (name: string) =>
  env.HOST_MATCH.get(env.HOST_MATCH.idFromName(name)) as unknown as DurableObjectStub<HostMatchDO>

/** The holds stored in that object, earliest first. */
export const storedHolds = (name: string) =>
  runInDurableObject(hostMatchObject(name), (_, state) =>
    state.storage.sql.exec<{ booking_id: string; state: string; start_at: number; end_at: number }>(
      "SELECT booking_id, state, start_at, end_at FROM holds ORDER BY start_at"
    ).toArray())

/** The host's bookings as mirrored to D1, earliest first. */
export const d1Bookings = async (hostDid: string) =>
  (await env.DB.prepare("SELECT id, status, start_at, end_at FROM bookings WHERE host_did = ? ORDER BY start_at").bind(hostDid)
    .all<{ id: string; status: string; start_at: number; end_at: number }>()).results
