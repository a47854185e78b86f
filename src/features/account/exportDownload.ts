import { Clock, Effect, Option } from "effect"
import { verifyExportLink } from "../../domain/account/exportLink"
import { ExportStore } from "../../services/ExportStore"
import { EXPORT_PATH } from "./createExport"
import { exportLinkSecret } from "./exportSecret"

export const isExportDownload = (pathname: string) => pathname.startsWith(`${EXPORT_PATH}/`)

const answer = (status: number, error: string, message: string) =>
  Response.json({ error, message }, { status, headers: { "cache-control": "no-store" } })

/**
 * `GET /account/export/<exportId>/<file>?did&exp&sig`: the file once, while the link's signature holds and it has
 * not expired; deleted as it is handed out. A second download (or a link to a deleted account) is 410; a tampered or
 * malformed link 403 / 400; an expired one 410.
 */
export const handleExportDownload = (request: Request) =>
  Effect.gen(function*() {
    if (request.method !== "GET") return answer(405, "MethodNotAllowed", "GET only")
    const url = new URL(request.url)
    const [exportId = "", file = "", ...rest] = url.pathname.slice(EXPORT_PATH.length + 1).split("/")
    if (rest.length > 0) return answer(400, "InvalidRequest", "path: /account/export/<exportId>/<file>")
    const secret = yield* exportLinkSecret
    const now = yield* Clock.currentTimeMillis
    const verdict = yield* Effect.promise(() => verifyExportLink(secret, exportId, file, url.searchParams, now))
    if (!verdict.ok) {
      return verdict.reason === "malformed"
        ? answer(400, "InvalidRequest", "the export link is malformed (exportId, file, did, exp, sig)")
        : verdict.reason === "expired"
          ? answer(410, "LinkExpired", "this export link has expired: ask for a new export")
          : answer(403, "InvalidSignature", "this export link is not valid")
    }
    const found = yield* (yield* ExportStore).takeOnce(verdict.link.did, verdict.link.exportId, verdict.link.file)
    return Option.match(found, {
      onNone: () => answer(410, "AlreadyDownloaded", "this export file was downloaded already (each link works once)"),
      onSome: (object) =>
        new Response(object.body, {
          headers: {
            "content-type": object.contentType,
            "content-disposition": `attachment; filename="overlap-${verdict.link.file}"`,
            "cache-control": "no-store",
            "x-content-type-options": "nosniff"
          }
        })
    })
  }).pipe(
    Effect.catchTags({
      ExportLinksUnavailable: (e) => Effect.succeed(answer(503, "ExportLinksUnavailable", e.message)),
      ExportStoreError: () => Effect.succeed(answer(503, "ExportUnavailable", "the export store did not answer; try again"))
    })
  )
