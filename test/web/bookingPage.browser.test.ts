// The web app in real Chromium against the whole local system (scripts/dev.mjs: the web Worker on 8785 in front
// of the AppView, the local PDS with the seeded demo host, the local Turnstile siteverify). A signed-out visitor.
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { allDevPorts, devUrls, type DevSystem, portInUse, startDevSystem } from "../../scripts/devSystem.mjs"
import { focused, launchChromium, newPage, screenshots, scrollsSideways, seriousAxeViolations } from "./browserKit"

const { webUrl, pdsUrl } = devUrls
const DEMO_HOST = "demo-host.test"
const DUMMY_TURNSTILE_TOKEN = "XXXX.DUMMY.TOKEN.XXXX"

let system: DevSystem | undefined
let reused = false
let browser: Browser | undefined

const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
  }
}

/** Waits for the candidate times; when the page shows a refusal instead, fails with its sentence. */
const timesShown = async (page: Page) => {
  await page.locator(".times button, [role=alert]").first().waitFor({ timeout: 60_000 })
  const alert = page.locator("[role=alert]")
  if ((await alert.count()) > 0) throw new Error(`the page says: ${await alert.first().textContent()}`)
  return page.locator(".times button")
}

beforeAll(async () => {
  // OVERLAP_WEB_TEST_REUSE=1: use a system already running (`npm run dev`) instead of starting one
  reused = process.env.OVERLAP_WEB_TEST_REUSE === "1" && (await portInUse(8785))
  // every page load asks the demo host's availability as an anonymous stranger: the host's stranger budget (4 per
  // 6 h by default, src/domain/rateLimits.ts) would run out after a few tests
  const roomy = { capacity: 1000, refillPerSecond: 10 }
  const limits = { availability: roomy, hostBudget: roomy, hostStrangers: roomy, authAttempts: { capacity: 1_000_000, refillPerSecond: 10_000 } }
  if (!reused) system = await startDevSystem({ vars: { OVERLAP_RATE_LIMITS: JSON.stringify(limits) }, readyTimeoutMs: 360_000 })
  browser = await launchChromium()
  // the seeded demo offer is indexed (through the web origin, as an anonymous visitor with the test token)
  const did = await waitFor("the demo host's DID", async () => {
    const response = await fetch(`${pdsUrl}/xrpc/com.atproto.identity.resolveHandle?handle=${DEMO_HOST}`)
    return response.ok ? ((await response.json()) as { did: string }).did : undefined
  })
  await waitFor("the demo host's offer to be indexed", async () => {
    const response = await fetch(`${webUrl}/xrpc/app.overlap.getOffers?host=${did}&limit=5`, { headers: { "cf-turnstile-response": DUMMY_TURNSTILE_TOKEN } })
    const body = (await response.json()) as { offers?: Array<unknown> }
    return response.ok && (body.offers?.length ?? 0) > 0 ? true : undefined
  })
})

afterAll(async () => {
  await browser?.close()
  if (reused) return
  await system?.stop()
  const left = []
  for (const port of allDevPorts()) if (await portInUse(port)) left.push(port)
  expect(left, "ports still in use after stopping the system").toEqual([])
})

describe("web app, signed out, in Chromium", () => {
  it("npm run dev prints the web app's URL at 127.0.0.1, and the Worker's /healthz reaches the AppView", async () => {
    if (!reused) expect(system!.output()).toContain(`open ${webUrl}/`)
    const health = (await (await fetch(`${webUrl}/healthz`)).json()) as { worker: string; bindings: { APPVIEW: string } }
    expect(health).toMatchObject({ worker: "overlap-web", bindings: { APPVIEW: "reachable" } })
  })

  it("the front page says what Overlap is, offers sign-in and the demo host; no serious accessibility violation", async () => {
    const page = await newPage(browser!)
    const response = await page.goto(`${webUrl}/`)
    expect(response?.status()).toBe(200)
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain("without showing your calendar")
    expect(await page.getByRole("link", { name: "Sign in with Bluesky" }).getAttribute("href")).toBe("/signin")
    expect(await page.getByRole("link", { name: `@${DEMO_HOST}` }).getAttribute("href")).toBe(`/@${DEMO_HOST}`)
    expect(await seriousAxeViolations(page)).toEqual([])
    await screenshots(page, "front")
    await page.context().close()
  })

  it("the booking page is server-rendered with Open Graph and Twitter-card tags", async () => {
    const html = await (await fetch(`${webUrl}/@${DEMO_HOST}`, { headers: { "user-agent": "Bluesky Cardyb/1.1" } })).text()
    expect(html).toContain(`<meta property="og:title" content="Book a time with @${DEMO_HOST}"/>`)
    expect(html).toMatch(/<meta property="og:description" content="[^"]*@demo-host\.test/)
    expect(html).toContain(`<meta name="twitter:card" content="summary"/>`)
    expect(html.replaceAll("<!-- -->", "")).toContain(`<h1>Book a time with @${DEMO_HOST}</h1>`)
  })

  it("shows candidate times in the visitor's time zone (timezoneId), with the host's zone beside", async () => {
    const zone = "America/New_York"
    const page = await newPage(browser!, { timezoneId: zone })
    await page.goto(`${webUrl}/@${DEMO_HOST}`)
    // detected once the page is live in the browser (the server cannot know the zone)
    await expect.poll(() => page.locator("#zone").inputValue(), { timeout: 60_000 }).toBe(zone)
    const times = await timesShown(page)
    await expect(page.locator("#host-zone").textContent()).resolves.toContain("Europe/Berlin")
    // every time shown is its slot's start read in the visitor's zone
    const shown = await times.evaluateAll((buttons) => buttons.map((b) => ({ start: b.getAttribute("data-start")!, text: b.textContent! })))
    expect(shown.length).toBeGreaterThan(0)
    for (const { start, text } of shown) {
      expect(text).toBe(new Intl.DateTimeFormat("en-GB", { hour: "numeric", minute: "2-digit", timeZone: zone }).format(new Date(start)))
    }
    // the demo offer is 08:00–16:00 UTC: every shown start lies in it, and New York's wall clock is 5 hours behind in
    // winter, 4 in summer (03:00–11:00 or 04:00–12:00 local)
    for (const { start } of shown) {
      const utcHour = new Date(start).getUTCHours()
      expect(utcHour).toBeGreaterThanOrEqual(8)
      expect(utcHour).toBeLessThan(16)
      const hour = Number(new Intl.DateTimeFormat("en-GB", { hour: "2-digit", hourCycle: "h23", timeZone: zone }).format(new Date(start)))
      expect([4, 5]).toContain((utcHour - hour + 24) % 24)
    }
    // changing the zone re-reads the same instants
    await page.locator("#zone").selectOption("Asia/Tokyo")
    // every button re-read in Tokyo: its text is its own start in Tokyo (which day is shown may move with the zone:
    // 08:00–16:00 UTC is 17:00–01:00 in Tokyo, so the slots from 15:00 UTC fall on the next Tokyo day; and the demo
    // guest's seeded bookingRequest may take a slot at any moment, so no particular instant is pinned here)
    const inTokyo = (start: string) => new Intl.DateTimeFormat("en-GB", { hour: "numeric", minute: "2-digit", timeZone: "Asia/Tokyo" }).format(new Date(start))
    await expect
      .poll(async () => {
        const now = await times.evaluateAll((buttons) => buttons.map((b) => ({ start: b.getAttribute("data-start")!, text: b.textContent! })))
        return now.length > 0 && now.every(({ start, text }) => text === inTokyo(start))
      }, { timeout: 30_000 })
      .toBe(true)
    const tokyoHours = await times.evaluateAll((buttons) => buttons.map((b) => b.getAttribute("data-start")!))
    for (const start of tokyoHours) {
      const hour = Number(new Intl.DateTimeFormat("en-GB", { hour: "2-digit", hourCycle: "h23", timeZone: "Asia/Tokyo" }).format(new Date(start)))
      expect(hour >= 17 || hour < 1, `${start} is ${hour}:xx in Tokyo`).toBe(true)
    }
    expect(await seriousAxeViolations(page)).toEqual([])
    await screenshots(page, "booking")
    await page.context().close()
  })

  it("a signed-out visitor who books is sent to sign in, with the chosen time kept for the way back", async () => {
    const page = await newPage(browser!, { timezoneId: "Europe/Lisbon" })
    await page.goto(`${webUrl}/@${DEMO_HOST}`)
    // the last time: the demo guest's seeded bookingRequest may take the earliest slot at any moment
    const chosen = (await timesShown(page)).last()
    const start = await chosen.getAttribute("data-start")
    await chosen.click()
    await page.getByLabel(`Note to @${DEMO_HOST} (optional)`).fill("About the demo")
    await page.getByRole("button", { name: /^Book / }).click()
    await page.waitForURL(/\/signin\?/, { timeout: 30_000 })
    const returnTo = new URL(page.url()).searchParams.get("returnTo")!
    const back = new URL(returnTo, webUrl)
    expect(back.pathname).toBe(`/@${DEMO_HOST}`)
    expect(back.searchParams.get("start")).toBe(start)
    expect(back.searchParams.get("tz")).toBe("Europe/Lisbon")
    // the sign-in form carries the way back to the AppView's /oauth/login
    expect(await page.locator('form[action="/oauth/login"] input[name="returnTo"]').inputValue()).toBe(returnTo)
    expect(await seriousAxeViolations(page)).toEqual([])
    await screenshots(page, "signin")
    // coming back: the same time is chosen again, and the note is still there
    await page.goto(`${webUrl}${returnTo}`)
    await expect.poll(() => page.locator('.times button[aria-pressed="true"]').getAttribute("data-start"), { timeout: 60_000 }).toBe(start)
    expect(await page.getByLabel(`Note to @${DEMO_HOST} (optional)`).inputValue()).toBe("About the demo")
    await page.context().close()
  })

  it("a time chosen before signing in stays chosen on the way back though the list no longer shows it", async () => {
    // The list is a few times spread over the range: when any time is taken (the demo guest's seeded request takes
    // the earliest) or passes, every pick moves, and the visitor's choice may be left out though still free. The
    // page keeps it (match then says whether it is still free; signedInBooking.browser.test.ts books it).
    const page = await newPage(browser!, { timezoneId: "Europe/Lisbon" })
    await page.goto(`${webUrl}/@${DEMO_HOST}`)
    const shown = await (await timesShown(page)).evaluateAll((buttons) => buttons.map((b) => b.getAttribute("data-start")!))
    expect(shown.length).toBeGreaterThan(2)
    // a start on the host's 15-minute grid between two shown ones, in the middle of the demo day (nobody books it)
    const wanted = new Date(Date.parse(shown[Math.floor(shown.length / 2)]!) + 15 * 60_000).toISOString()
    expect(shown).not.toContain(wanted)
    await page.goto(`${webUrl}/@${DEMO_HOST}?${new URLSearchParams({ start: wanted, duration: "30", tz: "Europe/Lisbon" })}`)
    await expect.poll(() => page.locator('.times button[aria-pressed="true"]').getAttribute("data-start"), { timeout: 60_000 }).toBe(wanted)
    expect(await page.getByRole("button", { name: /^Book / }).isEnabled()).toBe(true)
    await page.context().close()
  })

  it("is usable at 360 px: nothing scrolls sideways, and the controls are reachable by keyboard", async () => {
    const page = await newPage(browser!, { viewport: { width: 360, height: 740 } })
    await page.goto(`${webUrl}/@${DEMO_HOST}`)
    await timesShown(page)
    expect(await scrollsSideways(page)).toBe(false)
    // Tab from the top reaches the skip link first, then the length picker within a few steps
    await page.keyboard.press("Tab")
    expect((await focused(page)).text).toBe("Skip to content")
    let reached = false
    for (let i = 0; i < 8 && !reached; i++) {
      await page.keyboard.press("Tab")
      reached = (await focused(page)).id === "duration"
    }
    expect(reached).toBe(true)
    await page.context().close()
  })

  it("the console sends a signed-out visitor to sign in and back to /app", async () => {
    const page = await newPage(browser!)
    await page.goto(`${webUrl}/app`)
    await page.waitForURL(/\/signin\?/, { timeout: 30_000 })
    expect(new URL(page.url()).searchParams.get("returnTo")).toBe("/app")
    await expect(page.getByRole("link", { name: "Sign in" }).count()).resolves.toBe(1)
    await page.context().close()
  })

  it("an unknown handle gets the not-found page (404); so does a path that is no handle", async () => {
    const page = await newPage(browser!)
    const unknown = await page.goto(`${webUrl}/@nobody-here.test`)
    expect(unknown?.status()).toBe(404)
    await expect(page.locator("main").textContent()).resolves.toContain("We could not find @nobody-here.test on Overlap")
    const response = await page.goto(`${webUrl}/no-such-page`)
    expect(response?.status()).toBe(404)
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("There is nothing here")
    expect(await seriousAxeViolations(page)).toEqual([])
    await screenshots(page, "not-found")
    const malformed = await page.goto(`${webUrl}/@not_a_handle`)
    expect(malformed?.status()).toBe(404)
    await page.context().close()
  })
})
