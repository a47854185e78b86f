import type { Effect } from "effect"
import { Context } from "effect"

/** How a person is shown to the other: their profile's display name and their handle, as far as known. */
export interface PersonName {
  /** app.bsky.actor.profile `displayName`, trimmed; absent when none is set. */
  readonly displayName?: string | undefined
  /** The handle their DID document claims, checked both ways (outside development). */
  readonly handle?: string | undefined
}

/**
 * Names for DIDs in messages (subjects, bodies, the invitation's CN= and SUMMARY). Never fails: a person whose
 * name cannot be found now is shown by their DID, as before.
 */
export class PeopleNames extends Context.Tag("overlap/PeopleNames")<PeopleNames, {
  readonly nameOf: (did: string) => Effect.Effect<PersonName>
}>() {}
