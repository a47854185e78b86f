import { ApiError } from "../../services/ApiError"

/**
 * XRPC errors shared by every method. On the wire every error is `{ "error": Name, "message": … }`
 * (see xrpcWireFormat.ts); the `_tag` of each class is the XRPC error name.
 */
export class InvalidRequest extends ApiError<InvalidRequest>()("InvalidRequest", 400) {}

export class MethodNotImplemented extends ApiError<MethodNotImplemented>()("MethodNotImplemented", 501) {}

export class InternalServerError extends ApiError<InternalServerError>()("InternalServerError", 500) {}

/** The XRPC error body. */
export interface XrpcErrorBody {
  readonly error: string
  readonly message: string
}

export const xrpcErrorResponse = (status: number, error: string, message: string): Response =>
  Response.json({ error, message } satisfies XrpcErrorBody, { status })
