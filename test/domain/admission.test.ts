import { describe, expect, it } from "vitest"
import { makeAdmission, parseMaxInFlight } from "../../src/domain/admission"

describe("admission: how many XRPC requests one isolate takes on at once", () => {
  it("admits up to the limit, refuses the next, and admits again once one leaves", () => {
    const admission = makeAdmission({ maxInFlight: 2, forgetAfterMs: 60_000 })
    const a = admission.enter(0)
    const b = admission.enter(1)
    expect(a).toBeDefined()
    expect(b).toBeDefined()
    expect(admission.enter(2)).toBeUndefined()
    admission.leave(a!)
    expect(admission.enter(3)).toBeDefined()
    expect(admission.inFlight()).toBe(2)
  })

  it("forgets a request that never said it ended, once it is older than forgetAfterMs", () => {
    const admission = makeAdmission({ maxInFlight: 1, forgetAfterMs: 1_000 })
    expect(admission.enter(0)).toBeDefined()
    expect(admission.enter(999)).toBeUndefined()
    expect(admission.enter(1_001)).toBeDefined()
    expect(admission.inFlight()).toBe(1)
  })

  it("reads MAX_INFLIGHT_XRPC as a positive integer, else the default", () => {
    expect(parseMaxInFlight("12")).toBe(12)
    for (const bad of [undefined, "", "0", "-3", "2.5", "many"]) expect(parseMaxInFlight(bad)).toBe(24)
  })
})
