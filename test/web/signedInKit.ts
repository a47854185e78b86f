// What the signed-in browser tests share: accounts of their own on the local PDS (made through its XRPC API, so
// every run starts from people nobody has booked yet), records written to their repos, and signing in through
// the web app's form and the PDS's real sign-in and consent pages.
import { AtpAgent } from "@atproto/api"
import { randomBytes } from "node:crypto"
import type { Page } from "playwright-core"
import { devUrls } from "../../scripts/devSystem.mjs"
import { signInOnPds } from "../support/browser"

const { webUrl, pdsUrl } = devUrls
export const PASSWORD = "password"
export const DUMMY_TURNSTILE_TOKEN = "XXXX.DUMMY.TOKEN.XXXX"

/** Asks `probe` every second until it answers something (errors count as not yet), or fails after `timeoutMs`. */
export const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
  }
}

export interface Person {
  readonly did: string
  readonly handle: string
  readonly agent: AtpAgent
}

/** A new account on the local PDS ("<name>-<random>.test", password PASSWORD), logged in. */
export const newPerson = async (name: string): Promise<Person> => {
  const agent = new AtpAgent({ service: pdsUrl })
  const handle = `${name}-${randomBytes(3).toString("hex")}.test`
  const created = await agent.createAccount({ handle, email: `${handle.replaceAll(".", "-")}@example.test`, password: PASSWORD })
  return { did: created.data.did, handle: created.data.handle, agent }
}

/** Writes a record to the person's repo; answers its at-uri. */
export const putRecord = async (person: Person, collection: string, record: Record<string, unknown>): Promise<string> => {
  const written = await person.agent.com.atproto.repo.createRecord({
    repo: person.did,
    collection,
    record: { $type: collection, createdAt: new Date().toISOString(), ...record }
  })
  return written.data.uri
}

/** The instant that reads `hhmm` on `ymd` (YYYY-MM-DD) in the IANA zone `tz`. */
export const zonedInstant = (ymd: string, hhmm: string, tz: string): Date => {
  const guess = Date.parse(`${ymd}T${hhmm}:00.000Z`)
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(new Date(guess))
      .map((part) => [part.type, part.value])
  )
  const wall = Date.parse(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:00.000Z`)
  return new Date(guess - (wall - guess))
}

export const EVERY_DAY = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const

/** Weekly hours every day (`startTime`–`endTime` in `tz`) from tomorrow on, written straight to the host's repo. */
export const putWeeklyOffer = (host: Person, options: { readonly policy: "anyone" | "follower" | "connected" | "mutual"; readonly tz: string; readonly startTime: string; readonly endTime: string }) => {
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
  return putRecord(host, "app.overlap.slotOffer", {
    // start–end is the first weekly window (docs/records.md)
    start: zonedInstant(tomorrow, options.startTime, options.tz).toISOString(),
    end: zonedInstant(tomorrow, options.endTime, options.tz).toISOString(),
    policy: options.policy,
    tz: options.tz,
    weekly: [{ days: EVERY_DAY, start: options.startTime, end: options.endTime }]
  })
}

/** Waits until the AppView has indexed `did`'s offers (as an anonymous visitor, or as whoever `headers` says). */
export const offersIndexed = (did: string, headers: Record<string, string> = { "cf-turnstile-response": DUMMY_TURNSTILE_TOKEN }) =>
  waitFor(`the offers of ${did} to be indexed`, async () => {
    const response = await fetch(`${webUrl}/xrpc/app.overlap.getOffers?host=${did}&limit=5`, { headers })
    const body = (await response.json()) as { offers?: Array<unknown> }
    return response.ok && (body.offers?.length ?? 0) > 0 ? true : undefined
  })

/** Until the web app serves its sign-in page (the first pages after the system starts can be slow or fail). */
export const signInPageServed = () =>
  waitFor("the sign-in page", async () => {
    const response = await fetch(`${webUrl}/signin`)
    return response.ok && (await response.text()).includes("Your handle") ? true : undefined
  })

/** Through the web app's sign-in form (the page is on /signin) and the PDS's pages, back where it was going. */
export const signIn = async (page: Page, handle: string) => {
  await page.getByLabel("Your handle").waitFor({ timeout: 90_000 })
  await page.getByLabel("Your handle").fill(handle)
  await page.getByRole("button", { name: "Continue" }).click()
  await page.waitForURL((url) => url.origin !== webUrl, { timeout: 60_000 })
  await signInOnPds(page, { handle, password: PASSWORD, timeoutMs: 60_000 })
  await page.waitForURL((url) => url.origin === webUrl && !url.pathname.startsWith("/oauth/"), { timeout: 60_000 })
}
