import { timingSafeEqual } from "../domain/crypto/timingSafeEqual"
import { sha256Hex } from "../domain/crypto/sha256Hex"

/**
 * Operator endpoints (`POST /firehose/ensure`: it starts ingest and answers with the sources, cursors and
 * counters) take `Authorization: Bearer <OPERATOR_SECRET>` (a Worker secret). With ENVIRONMENT "development"
 * they stay open, so `npm run dev` needs no secret. Outside it an unset secret closes them (503): fail closed.
 * The token is compared as SHA-256 digests in constant time, so neither its content nor its length leaks.
 *
 * Returns the refusal to send, or undefined when the request may go on.
 */
export const refuseNonOperator = async (
  request: Request,
  env: { readonly ENVIRONMENT: string; readonly OPERATOR_SECRET?: string | undefined }
): Promise<Response | undefined> => {
  if (env.ENVIRONMENT === "development") return undefined
  const secret = env.OPERATOR_SECRET
  if (secret === undefined || secret === "") {
    return Response.json({ error: "OperatorNotConfigured", message: "OPERATOR_SECRET is not set, so operator endpoints are closed" }, { status: 503 })
  }
  const bearer = /^Bearer +(\S+)$/i.exec(request.headers.get("authorization") ?? "")
  if (bearer === null) return unauthorized("AuthRequired", "an operator Bearer token is required")
  const [given, expected] = await Promise.all([sha256Hex(bearer[1]!), sha256Hex(secret)])
  return timingSafeEqual(given, expected) ? undefined : unauthorized("InvalidToken", "the operator token is not valid")
}

const unauthorized = (error: string, message: string) =>
  Response.json({ error, message }, { status: 401, headers: { "www-authenticate": 'Bearer realm="overlap-operator"' } })
