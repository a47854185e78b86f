import { Effect, Layer } from "effect"
import { PdsWriter, PdsWriteFailed } from "../../services/PdsWriter"

/**
 * The production `PdsWriter` until the Live one (through the user's atproto OAuth session, issue 13) exists: no
 * PDS session, so nothing is written, and every write fails with PdsWriteFailed saying so. Never a pretended
 * success: the booking engine logs the public record as not written (the transition itself stands).
 */
export const PdsWriterUnavailable: Layer.Layer<PdsWriter> = Layer.succeed(
  PdsWriter,
  PdsWriter.of({
    putRecord: (write) =>
      Effect.fail(new PdsWriteFailed({ collection: write.collection, rkey: write.rkey, cause: new Error("not written: no PDS session") }))
  })
)
