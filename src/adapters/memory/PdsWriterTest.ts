import { Effect, Layer, Ref } from "effect"
import { PdsWriter, type RecordWrite } from "../../services/PdsWriter"

/** PdsWriter that keeps every write in memory (latest last). `writes` reads them back. Fresh per call. */
export const makePdsWriterTest = Effect.gen(function*() {
  const writes = yield* Ref.make<ReadonlyArray<RecordWrite>>([])
  const layer = Layer.succeed(PdsWriter, PdsWriter.of({ putRecord: (write) => Ref.update(writes, (all) => [...all, write]) }))
  return { layer, writes: Ref.get(writes) }
})
