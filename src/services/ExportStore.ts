import type { Effect, Option } from "effect"
import { Context, Schema } from "effect"
import type { ExportFile } from "../domain/account/exportLink"

export class ExportStoreError extends Schema.TaggedError<ExportStoreError>()("ExportStoreError", {
  operation: Schema.String,
  cause: Schema.Defect
}) {
  readonly status = 503
}

/** One file of an export as stored and as downloaded. */
export interface ExportObject {
  readonly body: string
  readonly contentType: string
}

/** Export bundles in R2 under `exports/<did>/<exportId>/<file>`; each file is handed out once, then deleted. */
export class ExportStore extends Context.Tag("overlap/ExportStore")<ExportStore, {
  readonly put: (did: string, exportId: string, file: ExportFile, object: ExportObject) => Effect.Effect<void, ExportStoreError>
  /** The file, deleted as it is read: `None` when it was never there, was taken already, or the person left. */
  readonly takeOnce: (did: string, exportId: string, file: ExportFile) => Effect.Effect<Option.Option<ExportObject>, ExportStoreError>
  /** Every export of the person (account deletion). */
  readonly removeAll: (did: string) => Effect.Effect<number, ExportStoreError>
}>() {}
