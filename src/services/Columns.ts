import { Schema } from "effect"

/**
 * Column codecs shared by the repository row schemas (see migrations/0001_initial.sql for the
 * conventions): what D1 hands back on the left, what the domain sees on the right.
 */

/** SQLite has no boolean: flags are INTEGER 0/1 (CHECKed in the schema). */
export const SqliteBoolean = Schema.transformLiterals([0, false], [1, true])
