/**
 * Whether a host name can only be a public internet name: textual rules, no DNS. Used where Overlap fetches
 * from a host a caller names (did:web documents): outside development such fetches go only to public names.
 * IP literals of any form (dotted, decimal, hex, IPv6), single labels and special-use or private-use names
 * (RFC 6761 / 6762 / 8375 / 9476 and common internal suffixes) are refused.
 */

/** Suffixes that never name a public internet host. */
export const NON_PUBLIC_SUFFIXES: ReadonlyArray<string> = [
  "localhost",
  "local",
  "internal",
  "intranet",
  "lan",
  "home",
  "corp",
  "private",
  "test",
  "invalid",
  "example",
  "onion",
  "alt",
  "arpa"
]

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/
/** A top-level label is letters, or an IDNA A-label: never all digits or hex, so no IP literal passes. */
const TOP_LEVEL = /^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/

export const isPublicHostName = (host: string): boolean => {
  const name = host.toLowerCase().replace(/\.$/, "")
  if (name.length === 0 || name.length > 253) return false
  const labels = name.split(".")
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return false
  if (!TOP_LEVEL.test(labels[labels.length - 1]!)) return false
  return !NON_PUBLIC_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`))
}
