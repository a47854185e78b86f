import { HttpApiBuilder } from "@effect/platform"
import { OverlapApi } from "../OverlapApi"
import { deleteEventType } from "./methods/host/deleteEventType"
import { deleteOffer } from "./methods/host/deleteOffer"
import { listEventTypes } from "./methods/host/listEventTypes"
import { listOffers } from "./methods/host/listOffers"
import { putEventType } from "./methods/host/putEventType"
import { putOffer } from "./methods/host/putOffer"

/** app.overlap.host.*: one file per method under methods/host/. */
export const HostRecordsHttpLive = HttpApiBuilder.group(OverlapApi, "host", (handlers) =>
  handlers
    .handle("putOffer", putOffer)
    .handle("deleteOffer", deleteOffer)
    .handle("listOffers", listOffers)
    .handle("putEventType", putEventType)
    .handle("deleteEventType", deleteEventType)
    .handle("listEventTypes", listEventTypes))
