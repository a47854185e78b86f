import { Schema } from "effect"

/**
 * Column codecs shared by the repository row schemas (see migrations/0001_initial.sql for the
 * conventions): what D1 hands back on the left, what the domain sees on the right.
 */

/** An instant as integer epoch milliseconds, UTC. */
export const EpochMillis = Schema.Int.annotations({ identifier: "EpochMillis" })

/** A DID (did:plc:…, did:web:…). */
export const Did = Schema.String.pipe(Schema.startsWith("did:")).annotations({ identifier: "Did" })

/** An at:// URI. */
export const AtUri = Schema.String.pipe(Schema.startsWith("at://")).annotations({ identifier: "AtUri" })

/** The repo DID of an at:// URI (at://did:plc:abc/app.overlap.slotOffer/3k… → did:plc:abc). */
export const authorityOf = (uri: string): string => uri.replace(/^at:\/\//, "").split("/")[0] ?? ""

/** SQLite has no boolean: flags are INTEGER 0/1 (CHECKed in the schema). */
export const SqliteBoolean = Schema.transformLiterals([0, false], [1, true])
