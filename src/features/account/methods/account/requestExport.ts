import { Effect } from "effect"
import { CloudflareEnv } from "../../../../platform/CloudflareEnv"
import { Caller } from "../../../xrpc/Caller"
import { ExportUnavailableError } from "../../AccountDataApi"
import { createExport } from "../../createExport"

/** app.overlap.account.requestExport: the caller's own export (only ever theirs: the DID is the verified caller's). */
export const requestExport = () =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const env = yield* CloudflareEnv
    const created = yield* createExport({ did: caller.did }).pipe(
      Effect.catchTag("ExportLinksUnavailable", (e) => Effect.fail(new ExportUnavailableError({ message: e.message }))),
      Effect.catchTags({ RepositoryError: (e) => Effect.die(e), ExportStoreError: (e) => Effect.die(e) })
    )
    const origin = (env.PUBLIC_URL ?? "").replace(/\/+$/, "")
    return {
      exportId: created.exportId,
      expiresAt: new Date(created.expiresAt).toISOString(),
      bundleUrl: `${origin}${created.links["bundle.json"]}`,
      calendarUrl: `${origin}${created.links["meetings.ics"]}`
    }
  })
