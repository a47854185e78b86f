import { HttpApiBuilder } from "@effect/platform"
import { Layer } from "effect"
import { OverlapApi } from "../OverlapApi"
import { AccountRequiredLive } from "./AccountRequiredLive"
import { getAvailability } from "./methods/getAvailability"
import { getEventTypes } from "./methods/getEventTypes"
import { getMatchStatus } from "./methods/getMatchStatus"
import { getOffers } from "./methods/getOffers"
import { match } from "./methods/match"

/** The matching methods (one file each under methods/), with the `AccountRequired` middleware they use (the other middleware come from xrpcHandler). */
export const MatchingHttpLive = HttpApiBuilder.group(OverlapApi, "matching", (handlers) =>
  handlers
    .handle("getOffers", getOffers)
    .handle("getEventTypes", getEventTypes)
    .handle("getAvailability", getAvailability)
    .handle("match", match)
    .handle("getMatchStatus", getMatchStatus)).pipe(Layer.provide(AccountRequiredLive))
