import { Effect, Layer } from "effect"
import { type PersonName, PeopleNames } from "../../services/PeopleNames"

/** PeopleNames from a fixed table; everyone else is unknown (shown by DID). */
export const peopleNamesTest = (known: Readonly<Record<string, PersonName>> = {}): Layer.Layer<PeopleNames> =>
  Layer.succeed(PeopleNames, PeopleNames.of({ nameOf: (did) => Effect.succeed(known[did] ?? {}) }))
