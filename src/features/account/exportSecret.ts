import { Effect, Schema } from "effect"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/** EXPORT_LINK_SECRET is not set outside development: no export link can be made or honored. */
export class ExportLinksUnavailable extends Schema.TaggedError<ExportLinksUnavailable>()("ExportLinksUnavailable", {
  message: Schema.String
}) {
  readonly status = 503
}

/** A public, fixed key for local development only (like the vault's "development-insecure" key). */
const DEVELOPMENT_SECRET = "overlap-development-insecure-export-links"

/** The HMAC key of export download links: EXPORT_LINK_SECRET, or the public development key in development. */
export const exportLinkSecret = Effect.flatMap(CloudflareEnv, (env) => {
  const secret = env.EXPORT_LINK_SECRET
  if (secret !== undefined && secret !== "") return Effect.succeed(secret)
  return env.ENVIRONMENT === "development"
    ? Effect.succeed(DEVELOPMENT_SECRET)
    : Effect.fail(new ExportLinksUnavailable({ message: "EXPORT_LINK_SECRET is not set, so exports are switched off" }))
})
