import { Effect, Layer, Ref } from "effect"
import { PdsWriter, type PdsWriteResult, type RecordDelete, type RecordWrite } from "../../services/PdsWriter"

const WRITTEN: PdsWriteResult = { status: "written" }

/** PdsWriter that keeps every write in memory (latest last). `writes` / `deletes` read them back. Fresh per call. */
export const makePdsWriterTest = Effect.gen(function*() {
  const writes = yield* Ref.make<ReadonlyArray<RecordWrite>>([])
  const deletes = yield* Ref.make<ReadonlyArray<RecordDelete>>([])
  const layer = Layer.succeed(PdsWriter, PdsWriter.of({
    putRecord: (write) => Ref.update(writes, (all) => [...all, write]).pipe(Effect.as(WRITTEN)),
    deleteRecord: (write) => Ref.update(deletes, (all) => [...all, write]).pipe(Effect.as(WRITTEN))
  }))
  return { layer, writes: Ref.get(writes), deletes: Ref.get(deletes) }
})
