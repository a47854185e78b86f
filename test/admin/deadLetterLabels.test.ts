// The pure parts of the dead-letter record (src/domain/queues/deadLetter.ts): which queue a DLQ replays to, the
// notify envelope unwrapped, a kind label that never carries a DID or an address, addresses masked for display.
import { describe, expect, it } from "vitest"
import { kindOf, maskAddresses, queueFamilyOf, showBody, sourceQueueOf, unwrapDeadLetter } from "../../src/domain/queues/deadLetter"

describe("dead letters", () => {
  it("replays to the queue named before -dlq, in every environment; other queues are not dead-letter queues", () => {
    expect(sourceQueueOf("calendar-tasks-dlq")).toBe("calendar-tasks")
    expect(sourceQueueOf("index-tasks-production-dlq")).toBe("index-tasks-production")
    expect(sourceQueueOf("index-tasks")).toBeUndefined()
    expect(sourceQueueOf("-dlq")).toBeUndefined()
    expect(queueFamilyOf("notify-tasks-staging")).toBe("notify-tasks")
    expect(queueFamilyOf("index-tasks")).toBe("index-tasks")
    expect(queueFamilyOf("other-tasks")).toBeUndefined()
  })

  it("unwraps the notify consumer's envelope and keeps a bare body as it is", () => {
    const body = { channel: "dm", target: "did:plc:abc" }
    expect(unwrapDeadLetter({ reason: "undecodable", messageId: "m", attempts: 3, error: "bad", body })).toEqual({ body, attempts: 3, error: "bad", reason: "undecodable" })
    expect(unwrapDeadLetter(body)).toEqual({ body, attempts: null, error: null, reason: null })
    expect(unwrapDeadLetter("text")).toEqual({ body: "text", attempts: null, error: null, reason: null })
  })

  it("labels a body by kind / type / channel / event type, never with a DID or an address", () => {
    expect(kindOf({ kind: "calendar-changed", did: "did:plc:abc" })).toBe("calendar-changed")
    expect(kindOf({ channel: "email", target: "a@b.example", event: { type: "booking.held" } })).toBe("email booking.held")
    expect(kindOf({ kind: "did:plc:abc" })).toBe("unknown")
    expect(kindOf({ type: "someone@example.org" })).toBe("unknown")
    expect(kindOf([1, 2])).toBe("unknown")
    expect(kindOf(null)).toBe("unknown")
  })

  it("masks e-mail addresses in what the console shows", () => {
    expect(maskAddresses("to alice.b+x@mail.example.org, cc bob@example.com")).toBe("to a…@mail.example.org, cc b…@example.com")
    expect(showBody({ target: "carol@example.net" })).toContain("c…@example.net")
    expect(showBody({ target: "carol@example.net" })).not.toContain("carol")
    expect(showBody(undefined)).toBe("null")
  })
})
