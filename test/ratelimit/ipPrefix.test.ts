import { Option } from "effect"
import { describe, expect, it } from "vitest"
import { ipPrefix } from "../../src/domain/ipPrefix"

const prefix = (ip: string) => Option.getOrUndefined(ipPrefix(ip))

describe("ipPrefix", () => {
  it("IPv4 → /24", () => {
    expect(prefix("203.0.113.77")).toBe("203.0.113.0/24")
    expect(prefix("203.0.113.0")).toBe("203.0.113.0/24")
    expect(prefix("0.0.0.0")).toBe("0.0.0.0/24")
    expect(prefix(" 198.51.100.255 ")).toBe("198.51.100.0/24")
    expect(prefix("203.0.113.77")).toBe(prefix("203.0.113.1"))
    expect(prefix("203.0.113.77")).not.toBe(prefix("203.0.112.77"))
  })

  it("IPv6 → /56, whatever the text form", () => {
    expect(prefix("2001:db8:1234:5678:9abc:def0:1234:5678")).toBe("2001:db8:1234:5600::/56")
    expect(prefix("2001:0db8:1234:56ff::1")).toBe("2001:db8:1234:5600::/56")
    expect(prefix("2001:DB8:1234:56AB:0:0:0:1")).toBe("2001:db8:1234:5600::/56")
    expect(prefix("2001:db8::")).toBe("2001:db8:0:0::/56")
    expect(prefix("::1")).toBe("0:0:0:0::/56")
    expect(prefix("::")).toBe("0:0:0:0::/56")
    expect(prefix("fe80::1%eth0")).toBe("fe80:0:0:0::/56")
    expect(prefix("[2001:db8:1:2::3]:443")).toBe("2001:db8:1:0::/56")
    // a different /64 inside the same /56 is the same bucket; the next /56 is not
    expect(prefix("2001:db8:1:ff::1")).toBe(prefix("2001:db8:1:2::1"))
    expect(prefix("2001:db8:1:100::1")).not.toBe(prefix("2001:db8:1:ff::1"))
  })

  it("IPv4-mapped IPv6 is the IPv4 address it carries", () => {
    expect(prefix("::ffff:203.0.113.77")).toBe("203.0.113.0/24")
    expect(prefix("::FFFF:cb00:714d")).toBe("203.0.113.0/24")
    expect(prefix("0:0:0:0:0:ffff:203.0.113.9")).toBe("203.0.113.0/24")
    // not mapped: the IPv4-compatible form and NAT64 stay IPv6
    expect(prefix("64:ff9b::203.0.113.77")).toBe("64:ff9b:0:0::/56")
  })

  it("anything else is none", () => {
    for (const bad of ["", "unknown", "256.1.1.1", "1.2.3", "1.2.3.4.5", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "gggg::1", "1:2:3:4:5:6:7:8::", "::ffff:1.2.3.256", "1.2.3.4:80"]) {
      expect(ipPrefix(bad), bad).toEqual(Option.none())
    }
  })
})
