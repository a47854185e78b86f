import { Effect, Layer, Ref } from "effect"
import { PdsWriter, type RecordDelete, type RecordWrite } from "../../services/PdsWriter"

/** PdsWriter that keeps every write in memory (latest last). `writes` / `deletes` read them back. Fresh per call. */
export const makePdsWriterTest = Effect.gen(function*() {
  const writes = yield* Ref.make<ReadonlyArray<RecordWrite>>([])
  const deletes = yield* Ref.make<ReadonlyArray<RecordDelete>>([])
  const layer = Layer.succeed(PdsWriter, PdsWriter.of({
    putRecord: (write) => Ref.update(writes, (all) => [...all, write]),
    deleteRecord: (write) => Ref.update(deletes, (all) => [...all, write])
  }))
  return { layer, writes: Ref.get(writes), deletes: Ref.get(deletes) }
})
