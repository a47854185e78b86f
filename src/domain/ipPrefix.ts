import { Option } from "effect"
import { parseIpv4 as parseIpv4Text, parseIpv6 as parseIpv6Text } from "./network/ipAddress"

/**
 * The network an anonymous caller is rate-limited as: the /24 of an IPv4 address, the /56 of an
 * IPv6 address (a typical residential delegation, so one household is one bucket and rotating
 * through its own /64s does not buy fresh buckets). IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is the
 * IPv4 address it carries. Returns a canonical text key, e.g. `203.0.113.0/24`, `2001:db8:0:ab00::/56`;
 * none for anything that is not an IP address.
 */
export const ipPrefix = (ip: string): Option.Option<string> => {
  const address = stripDecorations(ip.trim())
  const v4 = parseIpv4(address)
  if (Option.isSome(v4)) return Option.some(ipv4Prefix(v4.value))
  return Option.map(parseIpv6(address), (hextets) => {
    if (isIpv4Mapped(hextets)) {
      return ipv4Prefix([hextets[6]! >> 8, hextets[6]! & 0xff, hextets[7]! >> 8, hextets[7]! & 0xff])
    }
    const kept = [hextets[0]!, hextets[1]!, hextets[2]!, hextets[3]! & 0xff00]
    return `${kept.map((h) => h.toString(16)).join(":")}::/56`
  })
}

/** `[addr]`, `[addr]:port` and a zone id (`fe80::1%eth0`) are not part of the address. */
const stripDecorations = (text: string): string => {
  let address = text
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address)
  if (bracketed) address = bracketed[1]!
  const zone = address.indexOf("%")
  return zone >= 0 ? address.slice(0, zone) : address
}

const ipv4Prefix = (octets: ReadonlyArray<number>): string => `${octets[0]}.${octets[1]}.${octets[2]}.0/24`

const parseIpv4 = (text: string): Option.Option<ReadonlyArray<number>> => Option.fromNullable(parseIpv4Text(text))

const parseIpv6 = (text: string): Option.Option<ReadonlyArray<number>> =>
  text.includes(":") ? Option.fromNullable(parseIpv6Text(text)) : Option.none()

/** `::ffff:0:0/96`: an IPv4 address carried in IPv6 (dual-stack sockets report IPv4 peers this way). */
const isIpv4Mapped = (hextets: ReadonlyArray<number>): boolean =>
  hextets.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff
