// Booking as a signed-in guest, in real Chromium against the whole local system (scripts/dev.mjs): the visitor
// signs in through the local PDS's real pages from the booking page and comes back to the same slot; Book holds
// it ("Held — waiting for @host to confirm" with the expiry); a visitor below the host's tier is told which
// relationship would let them book, and once they follow the host (a real app.bsky.graph.follow record) they can.
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { allDevPorts, devUrls, type DevSystem, portInUse, startDevSystem } from "../../scripts/devSystem.mjs"
import { launchChromium, newPage, screenshots, seriousAxeViolations } from "./browserKit"
import { newPerson, offersIndexed, type Person, putRecord, putWeeklyOffer, signIn, waitFor } from "./signedInKit"

const { webUrl, pdsUrl } = devUrls
const DEMO_HOST = "demo-host.test"

let system: DevSystem | undefined
let reused = false
let browser: Browser | undefined
let tierHost: Person
let visitor: Person

/** Waits for the candidate times; when the page shows a refusal instead, fails with its sentence. */
const timesShown = async (page: Page) => {
  await page.locator(".times button, [role=alert]").first().waitFor({ timeout: 90_000 })
  const alert = page.locator("[role=alert]")
  if ((await alert.count()) > 0) throw new Error(`the page says: ${await alert.first().textContent()}`)
  return page.locator(".times button")
}

beforeAll(async () => {
  reused = process.env.OVERLAP_WEB_TEST_REUSE === "1" && (await portInUse(8785))
  const roomy = { capacity: 1000, refillPerSecond: 10 }
  const limits = { availability: roomy, hostBudget: roomy, hostStrangers: roomy, authAttempts: { capacity: 1_000_000, refillPerSecond: 10_000 } }
  if (!reused) system = await startDevSystem({ vars: { OVERLAP_RATE_LIMITS: JSON.stringify(limits) }, readyTimeoutMs: 360_000 })
  browser = await launchChromium()
  const demoDid = await waitFor("the demo host's DID", async () => {
    const response = await fetch(`${pdsUrl}/xrpc/com.atproto.identity.resolveHandle?handle=${DEMO_HOST}`)
    return response.ok ? ((await response.json()) as { did: string }).did : undefined
  })
  await offersIndexed(demoDid)
  // a host whose only hours are for followers, and a visitor who does not follow them (yet)
  tierHost = await newPerson("tierhost")
  visitor = await newPerson("visitor")
  await putWeeklyOffer(tierHost, { policy: "follower", tz: "Europe/Paris", startTime: "09:00", endTime: "17:00" })
}, 600_000)

afterAll(async () => {
  await browser?.close()
  if (reused) return
  await system?.stop()
  const left = []
  for (const port of allDevPorts()) if (await portInUse(port)) left.push(port)
  expect(left, "ports still in use after stopping the system").toEqual([])
})

describe("booking as a signed-in guest, in Chromium", () => {
  it("a signed-out visitor books, signs in through the PDS, comes back to the same slot and holds it", async () => {
    const booker = await newPerson("booker")
    const guest = await newPage(browser!, { timezoneId: "America/New_York" })
    await guest.goto(`${webUrl}/@${DEMO_HOST}`)
    // the last time, not the first: the demo guest's seeded bookingRequest is matched through the firehose at some
    // moment after the system starts and holds the earliest slot, which would then vanish while this visitor signs in
    const start = (await (await timesShown(guest)).last().getAttribute("data-start"))!
    await guest.locator(`.times button[data-start="${start}"]`).click()
    await guest.getByLabel(`Note to @${DEMO_HOST} (optional)`).fill("Signed-in booking test")
    await guest.getByRole("button", { name: /^Book / }).click()
    await guest.waitForURL(/\/signin\?/, { timeout: 30_000 })
    await signIn(guest, booker.handle)
    // back on the booking page with the same time chosen, now signed in
    expect(new URL(guest.url()).pathname).toBe(`/@${DEMO_HOST}`)
    await expect.poll(() => guest.locator('.times button[aria-pressed="true"]').getAttribute("data-start"), { timeout: 90_000 }).toBe(start)
    expect(await guest.getByLabel(`Note to @${DEMO_HOST} (optional)`).inputValue()).toBe("Signed-in booking test")
    await expect(guest.getByRole("link", { name: "Inbox" }).count()).resolves.toBe(1)
    await guest.getByRole("button", { name: /^Book / }).click()
    const held = guest.getByRole("status").filter({ hasText: "Held" })
    await guest.locator('[role=status]:has-text("Held"), [role=alert]').first().waitFor({ timeout: 90_000 })
    if ((await held.count()) === 0) throw new Error(`no hold; the page says: ${await guest.locator("[role=alert]").first().textContent()}`)
    const text = (await held.textContent())!
    expect(text).toContain(`Held — waiting for @${DEMO_HOST} to confirm`)
    // the slot and the expiry, in the visitor's zone
    const startLabel = new Intl.DateTimeFormat("en-GB", { hour: "numeric", minute: "2-digit", timeZone: "America/New_York" }).format(new Date(start))
    expect(text).toContain(startLabel)
    expect(text).toMatch(/is held on both calendars until .+\. If @demo-host\.test does not confirm by then, the hold lapses\./)
    expect(await seriousAxeViolations(guest)).toEqual([])
    await screenshots(guest, "booking-held")
    // the guest's inbox has it, waiting for the host
    await guest.goto(`${webUrl}/app`)
    const waiting = guest.getByRole("region", { name: "As guest: Waiting for the host to confirm" })
    await waiting.waitFor({ timeout: 60_000 })
    // in the visitor's zone once the page is live (the server renders UTC; the browser knows the zone)
    const inboxLabel = new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZone: "America/New_York", timeZoneName: "short" }).format(new Date(start))
    await expect.poll(() => waiting.textContent(), { timeout: 30_000 }).toContain(inboxLabel)
    await guest.context().close()
  }, 360_000)

  it("a signed-in visitor below the host's tier is told to follow the host; after following they can book", async () => {
    const page = await newPage(browser!, { timezoneId: "Europe/Paris" })
    await page.goto(`${webUrl}/signin?returnTo=${encodeURIComponent(`/@${tierHost.handle}`)}`)
    await signIn(page, visitor.handle)
    expect(new URL(page.url()).pathname).toBe(`/@${tierHost.handle}`)
    const why = page.getByRole("status").filter({ hasText: `follow @${tierHost.handle}` })
    await why.waitFor({ timeout: 60_000 })
    expect(await page.locator(".times button").count()).toBe(0)
    expect(await seriousAxeViolations(page)).toEqual([])
    await screenshots(page, "booking-tier")
    // the visitor follows the host on their PDS; the page shows the follower hours once the AppView sees it (it
    // keeps a relationship for 120 s: SocialGraphLive's cache)
    await putRecord(visitor, "app.bsky.graph.follow", { subject: tierHost.did })
    const times = await waitFor(
      "the follower hours after following",
      async () => {
        await page.reload()
        await page.locator(".times button, [role=status]").first().waitFor({ timeout: 30_000 })
        return (await page.locator(".times button").count()) > 0 ? page.locator(".times button") : undefined
      },
      240_000
    )
    // 09:00–17:00 Paris every day, shown in Paris
    for (const label of await times.allTextContents()) {
      const hour = Number(label.split(":")[0])
      expect(hour).toBeGreaterThanOrEqual(9)
      expect(hour).toBeLessThan(17)
    }
    await times.first().click()
    await page.getByRole("button", { name: /^Book / }).click()
    await page.getByRole("status").filter({ hasText: `Held — waiting for @${tierHost.handle} to confirm` }).waitFor({ timeout: 90_000 })
    await page.context().close()
  }, 480_000)
})
