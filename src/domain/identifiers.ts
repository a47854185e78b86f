import { Schema } from "effect"

/** The identifiers and instants every entity uses. */

/** An instant as integer epoch milliseconds, UTC. */
export const EpochMillis = Schema.Int.annotations({ identifier: "EpochMillis" })

/** A DID (did:plc:…, did:web:…). */
export const Did = Schema.String.pipe(Schema.startsWith("did:")).annotations({ identifier: "Did" })

/** An at:// URI. */
export const AtUri = Schema.String.pipe(Schema.startsWith("at://")).annotations({ identifier: "AtUri" })

/** The repo DID of an at:// URI (at://did:plc:abc/app.overlap.slotOffer/3k… → did:plc:abc). */
export const authorityOf = (uri: string): string => uri.replace(/^at:\/\//, "").split("/")[0] ?? ""
