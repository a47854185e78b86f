import { Effect, Layer, Option } from "effect"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { ExportStore, ExportStoreError } from "../../services/ExportStore"

/** `exports/<did>/`: the person's export prefix (src/domain/account/userData.ts lists it for deletion). */
export const exportPrefix = (did: string) => `exports/${did}/`

/** `ExportStore` over the BLOBS bucket. */
export const ExportStoreLive: Layer.Layer<ExportStore, never, CloudflareEnv> = Layer.effect(
  ExportStore,
  Effect.map(CloudflareEnv, ({ BLOBS }) => {
    const attempt = <A>(operation: string, run: () => Promise<A>) =>
      Effect.tryPromise({ try: run, catch: (cause) => new ExportStoreError({ operation, cause }) })
    return ExportStore.of({
      put: (did, exportId, file, object) =>
        attempt("put", () => BLOBS.put(`${exportPrefix(did)}${exportId}/${file}`, object.body, { httpMetadata: { contentType: object.contentType } })).pipe(Effect.asVoid),
      takeOnce: (did, exportId, file) =>
        attempt("takeOnce", async () => {
          const key = `${exportPrefix(did)}${exportId}/${file}`
          const found = await BLOBS.get(key)
          if (found === null) return Option.none()
          const body = await found.text()
          await BLOBS.delete(key)
          return Option.some({ body, contentType: found.httpMetadata?.contentType ?? "application/octet-stream" })
        }),
      removeAll: (did) =>
        attempt("removeAll", async () => {
          let removed = 0
          let cursor: string | undefined
          do {
            const page = await BLOBS.list({ prefix: exportPrefix(did), ...(cursor === undefined ? {} : { cursor }) })
            if (page.objects.length > 0) await BLOBS.delete(page.objects.map((o) => o.key))
            removed += page.objects.length
            cursor = page.truncated ? page.cursor : undefined
          } while (cursor !== undefined)
          return removed
        })
    })
  })
)
