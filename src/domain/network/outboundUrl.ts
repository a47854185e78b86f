import { Either } from "effect"
import { isPublicHostName } from "../publicHost"
import { isIpLiteral, isPublicAddress } from "./ipAddress"

/**
 * Where Overlap may send a request to a URL someone else chose (a webhook target, a CalDAV server). The
 * textual half of the rule; the resolved addresses of a name are checked by the OutboundGuard service.
 */
export interface OutboundUrlPolicy {
  /** Local development: http:, loopback, any port and private addresses are allowed. */
  readonly development: boolean
  /** Ports besides the scheme's default the operator allows (`OUTBOUND_ALLOWED_PORTS`); none by default. */
  readonly allowedPorts: ReadonlyArray<number>
}

export const MAX_OUTBOUND_URL_LENGTH = 2048

/** The URL, parsed, if Overlap may call it; otherwise why not (a sentence naming no answer, only the URL's shape). */
export const checkOutboundUrl = (raw: string, policy: OutboundUrlPolicy): Either.Either<URL, string> => {
  if (raw.length > MAX_OUTBOUND_URL_LENGTH) return Either.left(`is longer than ${MAX_OUTBOUND_URL_LENGTH} characters`)
  if (!URL.canParse(raw)) return Either.left("is not an absolute URL")
  const url = new URL(raw)
  if (url.protocol !== "https:" && !(policy.development && url.protocol === "http:")) return Either.left("must use https")
  if (url.username !== "" || url.password !== "") return Either.left("must not carry credentials")
  if (policy.development) return Either.right(url)
  if (url.port !== "" && !policy.allowedPorts.includes(Number(url.port))) {
    return Either.left(`must use the default port (${url.port} is not allowed)`)
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1")
  if (isIpLiteral(host)) return isPublicAddress(host) ? Either.right(url) : Either.left("must not name a private or reserved address")
  return isPublicHostName(host) ? Either.right(url) : Either.left("must name a public host")
}

/** `OUTBOUND_ALLOWED_PORTS` ("8443, 8008") → the ports; anything that is not a port is ignored. */
export const parseAllowedPorts = (raw: string | undefined): ReadonlyArray<number> =>
  (raw ?? "")
    .split(",")
    .map((p) => Number(p.trim()))
    .filter((p) => Number.isInteger(p) && p > 0 && p < 65536)
