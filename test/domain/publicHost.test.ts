import { describe, expect, it } from "vitest"
import { isPublicHostName } from "../../src/domain/publicHost"

describe("isPublicHostName", () => {
  it("accepts public DNS names, IDNA included", () => {
    for (const name of ["overlap.app", "pds.bsky.network", "Example.COM", "xn--bcher-kva.example.org", "a.b.c.io."]) {
      expect(isPublicHostName(name), name).toBe(true)
    }
  })

  it("refuses IP literals in every spelling, single labels and special-use or internal names", () => {
    const refused = [
      "127.0.0.1", "10.0.0.8", "169.254.169.254", "2130706433", "0x7f.0.0.1", "0177.0.0.1", "[::1]", "::1", "fd00::1",
      "localhost", "foo.localhost", "metadata.google.internal", "printer.local", "router.lan", "svc.corp", "a.test",
      "b.invalid", "host.example", "x.onion", "1.0.0.127.in-addr.arpa", "intranet", "", "-bad.com", "bad-.com", "a..com",
      "x".repeat(64) + ".com"
    ]
    for (const name of refused) expect(isPublicHostName(name), name).toBe(false)
  })
})
