import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/**
 * The shape of an error that is nothing but a refusal with a message: a tagged error carrying the HTTP `status`
 * the API answers it with; on the wire it is `{ "error": tag, "message": … }` (features/xrpc/xrpcWireFormat.ts).
 *
 * ```ts
 * export class TierNotMet extends ApiError<TierNotMet>()("TierNotMet", 403) {}
 * ```
 */
export const ApiError = <Self = never>() => <Tag extends string>(tag: Tag, status: number) =>
  Schema.TaggedError<Self>()(tag, { message: Schema.String }, HttpApiSchema.annotations({ status }))
