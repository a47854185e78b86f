import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/**
 * XRPC errors shared by every method. On the wire every error is `{ "error": Name, "message": … }`
 * (see xrpcWireFormat.ts); the `_tag` of each class is the XRPC error name.
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()(
  "InvalidRequest",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {}

export class MethodNotImplemented extends Schema.TaggedError<MethodNotImplemented>()(
  "MethodNotImplemented",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 501 })
) {}

export class InternalServerError extends Schema.TaggedError<InternalServerError>()(
  "InternalServerError",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 500 })
) {}

/** The XRPC error body. */
export interface XrpcErrorBody {
  readonly error: string
  readonly message: string
}

export const xrpcErrorResponse = (status: number, error: string, message: string): Response =>
  Response.json({ error, message } satisfies XrpcErrorBody, { status })
