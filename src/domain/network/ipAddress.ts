/**
 * IP addresses as text → whether they are on the public internet. Overlap fetches URLs other people name
 * (webhook targets, CalDAV servers); outside development none may reach loopback, private, link-local,
 * carrier-grade NAT, documentation, multicast or cloud-metadata addresses.
 */

/** Dotted-quad IPv4 → its four bytes, or undefined (no octal, hex or shortened forms: those are refused). */
export const parseIpv4 = (text: string): ReadonlyArray<number> | undefined => {
  const parts = text.split(".")
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p))) return undefined
  const bytes = parts.map(Number)
  return bytes.every((b) => b <= 255) ? bytes : undefined
}

/** IPv6 (optionally in brackets, with a trailing dotted IPv4) → its eight 16-bit groups, or undefined. */
export const parseIpv6 = (text: string): ReadonlyArray<number> | undefined => {
  let body = text.replace(/^\[(.*)\]$/, "$1").toLowerCase()
  if (body.includes("%")) return undefined // zone ids name an interface: never a public address
  let tail: Array<number> = []
  const lastColon = body.lastIndexOf(":")
  if (body.slice(lastColon + 1).includes(".")) {
    const v4 = parseIpv4(body.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!]
    body = body.slice(0, lastColon + 1) + "0" // placeholder group, replaced below
  }
  const halves = body.split("::")
  if (halves.length > 2) return undefined
  const groups = (half: string) => (half === "" ? [] : half.split(":"))
  const head = groups(halves[0]!)
  const rest = halves.length === 2 ? groups(halves[1]!) : []
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined
  const explicit = [...head, ...rest].map((g) => parseInt(g, 16))
  if (tail.length > 0) explicit.splice(explicit.length - 1, 1, ...tail)
  const wanted = 8
  if (halves.length === 1) return explicit.length === wanted ? explicit : undefined
  const missing = wanted - explicit.length
  if (missing < 1) return undefined
  const headCount = head.length
  return [...explicit.slice(0, headCount), ...Array<number>(missing).fill(0), ...explicit.slice(headCount)]
}

const inV4 = (bytes: ReadonlyArray<number>, prefix: ReadonlyArray<number>, bits: number): boolean => {
  const value = bytes.reduce((acc, b) => acc * 256 + b, 0)
  const base = prefix.reduce((acc, b) => acc * 256 + b, 0)
  const size = 2 ** (32 - bits)
  return Math.floor(value / size) === Math.floor(base / size)
}

/** IPv4 ranges that are not the public internet (RFC 6890 special-purpose registry and metadata). */
const NON_PUBLIC_V4: ReadonlyArray<readonly [ReadonlyArray<number>, number]> = [
  [[0, 0, 0, 0], 8], // "this network"
  [[10, 0, 0, 0], 8], // private
  [[100, 64, 0, 0], 10], // carrier-grade NAT
  [[127, 0, 0, 0], 8], // loopback
  [[169, 254, 0, 0], 16], // link-local, cloud metadata (169.254.169.254)
  [[172, 16, 0, 0], 12], // private
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2, 0], 24], // documentation
  [[192, 88, 99, 0], 24], // 6to4 relay anycast
  [[192, 168, 0, 0], 16], // private
  [[198, 18, 0, 0], 15], // benchmarking
  [[198, 51, 100, 0], 24], // documentation
  [[203, 0, 113, 0], 24], // documentation
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4] // reserved, broadcast
]

export const isPublicIpv4 = (bytes: ReadonlyArray<number>): boolean =>
  !NON_PUBLIC_V4.some(([prefix, bits]) => inV4(bytes, prefix, bits))

export const isPublicIpv6 = (groups: ReadonlyArray<number>): boolean => {
  const [g0 = 0, g1 = 0, , , , g5 = 0, g6 = 0, g7 = 0] = groups
  const embeddedV4 = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]
  if (groups.slice(0, 5).every((g) => g === 0) && (g5 === 0xffff || g5 === 0)) {
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible), which includes :: and ::1
    return g5 === 0xffff ? isPublicIpv4(embeddedV4) : false
  }
  if (g0 === 0x64 && g1 === 0xff9b) return isPublicIpv4(embeddedV4) // NAT64 well-known prefix
  if ((g0 & 0xfe00) === 0xfc00) return false // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return false // link-local fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return false // site-local (deprecated) fec0::/10
  if ((g0 & 0xff00) === 0xff00) return false // multicast
  if (g0 === 0x2001 && g1 === 0x0db8) return false // documentation
  if (g0 === 0x2002) return isPublicIpv4([g1 >> 8, g1 & 0xff, groups[2]! >> 8, groups[2]! & 0xff]) // 6to4
  if (g0 === 0x2001 && g1 === 0) return false // Teredo: the real address is hidden
  if (g0 === 0x0100 && groups.slice(1, 4).every((g) => g === 0)) return false // discard-only
  return true
}

/** Whether `text` is an IP literal at all (v4 dotted-quad or v6, bracketed or not). */
export const isIpLiteral = (text: string): boolean => parseIpv4(text) !== undefined || parseIpv6(text) !== undefined

/** A public address; an unparsable text is not one. */
export const isPublicAddress = (text: string): boolean => {
  const v4 = parseIpv4(text)
  if (v4 !== undefined) return isPublicIpv4(v4)
  const v6 = parseIpv6(text)
  return v6 !== undefined && isPublicIpv6(v6)
}
