import { Either } from "effect"

export interface WebhookUrlPolicy {
  /** Allow http:, localhost and IP literals (local development and tests only). */
  readonly allowInsecure: boolean
}

const MAX_URL_LENGTH = 2048

/**
 * Where a webhook subscription may point. Overlap POSTs signed booking details to this URL, so it must be
 * https on a public host name: no credentials in the URL, no localhost, no IP literals (they name private
 * networks more often than not).
 */
export const checkWebhookUrl = (raw: string, policy: WebhookUrlPolicy): Either.Either<string, string> => {
  if (raw.length > MAX_URL_LENGTH) return Either.left(`url is longer than ${MAX_URL_LENGTH} characters`)
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return Either.left("url is not an absolute URL")
  }
  if (url.protocol !== "https:" && !(policy.allowInsecure && url.protocol === "http:")) {
    return Either.left("url must use https")
  }
  if (url.username !== "" || url.password !== "") return Either.left("url must not carry credentials")
  if (url.hash !== "") return Either.left("url must not have a fragment")
  if (!policy.allowInsecure) {
    const host = url.hostname.toLowerCase()
    const ipLiteral = host.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host)
    if (ipLiteral) return Either.left("url must name a host, not an IP address")
    if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || !host.includes(".")) {
      return Either.left("url must name a public host")
    }
  }
  return Either.right(url.toString())
}
