import { Effect } from "effect"
import type { GetEventTypesParams } from "../../../lexicon/schemas"
import { meetsTier } from "../bookableOffers"
import { eventTypesOf, eventTypeView } from "../eventTypes"
import { currentGuest, resolveHost } from "../offerAccess"

/**
 * app.overlap.getEventTypes: a host's event types the caller may book (an event type whose tier the caller does
 * not meet is left out; the default one of a host with none has no tier of its own). Public like a booking page.
 */
export const getEventTypes = ({ urlParams }: { readonly urlParams: GetEventTypesParams }) =>
  Effect.gen(function*() {
    const guest = yield* currentGuest
    const hostDid = yield* resolveHost(urlParams.host)
    const eventTypes = yield* eventTypesOf(hostDid)
    const judge = eventTypes.some((e) => e.policy !== undefined) ? yield* meetsTier(hostDid, guest) : undefined
    const allowed = eventTypes.filter((e) => e.policy === undefined || judge?.(e.policy)._tag === "Allowed")
    return { eventTypes: allowed.map(eventTypeView) }
  })
