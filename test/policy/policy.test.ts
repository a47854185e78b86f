import { describe, expect, it } from "vitest"
import { mayBook, mayBookAnonymously, mayBookAs, noRelationship, type PolicyTier, policyTiers, type Relationship } from "../../src/domain/policy"

const rel = (r: Partial<Relationship>): Relationship => ({ ...noRelationship, ...r })
const verdict = (tier: PolicyTier, r: Partial<Relationship>) => {
  const d = mayBook(tier, rel(r))
  return d._tag === "Allowed" ? `allowed:${d.reason}` : `refused:${d.reason}`
}

describe("mayBook: ARCHITECTURE.md's tier table", () => {
  it("mutual needs both follows", () => {
    expect(verdict("mutual", { following: true, followedBy: true })).toBe("allowed:mutual")
    expect(verdict("mutual", { following: true })).toBe("refused:not-mutual")
    expect(verdict("mutual", { followedBy: true })).toBe("refused:not-mutual")
    expect(verdict("mutual", {})).toBe("refused:not-mutual")
  })

  it("connected needs the host to follow the guest, nothing else", () => {
    expect(verdict("connected", { following: true })).toBe("allowed:host-follows-guest")
    expect(verdict("connected", { following: true, followedBy: true })).toBe("allowed:host-follows-guest")
    expect(verdict("connected", { followedBy: true })).toBe("refused:host-does-not-follow")
    expect(verdict("connected", {})).toBe("refused:host-does-not-follow")
  })

  it("follower needs the guest to follow the host, nothing else", () => {
    expect(verdict("follower", { followedBy: true })).toBe("allowed:guest-follows-host")
    expect(verdict("follower", { following: true })).toBe("refused:guest-does-not-follow")
    expect(verdict("follower", {})).toBe("refused:guest-does-not-follow")
  })

  it("anyone admits strangers", () => {
    expect(verdict("anyone", {})).toBe("allowed:anyone")
  })

  it("a block in either direction refuses every tier, even with mutual follows", () => {
    for (const tier of policyTiers) {
      for (const block of [{ blocking: true }, { blockedBy: true }, { blocking: true, blockedBy: true }]) {
        expect(verdict(tier, { following: true, followedBy: true, ...block })).toBe("refused:blocked")
      }
    }
  })

  it("the host themself may always book their own offers", () => {
    for (const tier of policyTiers) {
      expect(mayBookAs(tier, "did:plc:host", "did:plc:host", noRelationship)).toEqual(expect.objectContaining({ _tag: "Allowed", reason: "self" }))
    }
    expect(mayBookAs("mutual", "did:plc:host", "did:plc:guest", noRelationship)._tag).toBe("Refused")
  })

  it("anonymous callers only reach anyone offers", () => {
    expect(mayBookAnonymously("anyone")._tag).toBe("Allowed")
    for (const tier of ["mutual", "connected", "follower"] as const) expect(mayBookAnonymously(tier)._tag).toBe("Refused")
  })
})
