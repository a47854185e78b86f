import { env } from "cloudflare:test"

/** Polls `probe` every 50 ms until it gives a value (not undefined, null or false), or fails after `timeoutMs`. */
export const waitFor = async <A>(what: string, probe: () => Promise<A | undefined | null | false>, timeoutMs = 10_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== null && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** One call to a real @atproto/api agent in Node (see globalSetup.ts's /client endpoint). */
export const client = async <A>(call: Record<string, unknown>): Promise<A> => {
  const res = await fetch(`${env.TEST_JETSTREAM_URL.replace(/^ws/, "http")}/client`, { method: "POST", body: JSON.stringify(call) })
  if (!res.ok) throw new Error(`client ${String(call.op)}: ${await res.text()}`)
  return res.json() as Promise<A>
}
