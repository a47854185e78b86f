// Issue 13's browser end-to-end test, in Debian Chromium against the whole local system (scripts/devSystem.mjs, the
// same system bookingPage.browser.test.ts starts; files run one after another): a FRESH account made on the local
// PDS signs in through Overlap's /signin and the PDS's real sign-in and consent pages, lands on /app, publishes
// weekly hours and an event type from /app/availability (records in its repo, then in getOffers / getEventTypes
// through the firehose), sets private rules, Intro call's own rules and a day off on /app/rules (settings.get returns
// them, getAvailability offers nothing that day), signs out, and its old cookie is refused with 401. A second fresh account then uses
// /app/account: asks for its export (the once-only link downloads its bundle through the web origin, a second
// download is refused), is refused deletion when it types someone else's handle, deletes itself with its own handle,
// and its session is gone (401, the page says so, the console sends it to sign in).
import { AtpAgent } from "@atproto/api"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { allDevPorts, devUrls, type DevSystem, portInUse, startDevSystem } from "../../scripts/devSystem.mjs"
import { newContext, signInOnPds } from "../support/browser"
import { focused, launchChromium, screenshots, scrollsSideways, seriousAxeViolations } from "./browserKit"

const { webUrl, pdsUrl } = devUrls
const PASSWORD = "fresh-account-password"

let system: DevSystem | undefined
let reused = false
let browser: Browser | undefined
let context: BrowserContext | undefined
let page: Page | undefined
let account: { did: string; handle: string }

interface Account {
  readonly did: string
  readonly handle: string
}

const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

const listRecords = async (collection: string) => {
  const response = await fetch(`${pdsUrl}/xrpc/com.atproto.repo.listRecords?repo=${account.did}&collection=${collection}`)
  return ((await response.json()) as { records: Array<{ uri: string; value: Record<string, any> }> }).records
}

/** The page's own XRPC call with the browser's cookies (a query: no CSRF token needed). */
const query = async (nsid: string, params: Record<string, string>) => {
  const response = await page!.request.get(`${webUrl}/xrpc/${nsid}?${new URLSearchParams(params)}`)
  return { status: response.status(), body: (await response.json()) as any }
}

/** A fresh account on the local PDS: it has never signed in to Overlap and has no records. */
const freshAccount = async (prefix: string): Promise<Account> => {
  const agent = new AtpAgent({ service: pdsUrl })
  const name = `${prefix}${Date.now().toString(36)}`
  const created = await waitFor("a fresh account on the local PDS", async () =>
    (await agent.createAccount({ handle: `${name}.test`, email: `${name}@example.test`, password: PASSWORD })).data)
  return { did: created.did, handle: created.handle }
}

/** Overlap's /signin, then the PDS's own sign-in and consent pages, back on /app signed in. */
const signIn = async (on: Page, who: Account) => {
  await on.goto(`${webUrl}/signin`)
  await on.getByLabel("Your handle").fill(who.handle)
  await on.getByRole("button", { name: "Continue" }).click()
  await on.waitForURL((url) => url.origin === pdsUrl, { timeout: 30_000 })
  const consent = await signInOnPds(on, { handle: who.handle, password: PASSWORD, timeoutMs: 30_000 })
  await on.waitForURL(`${webUrl}/app`, { timeout: 30_000 })
  return consent
}

beforeAll(async () => {
  reused = process.env.OVERLAP_WEB_TEST_REUSE === "1" && (await portInUse(8785))
  if (!reused) system = await startDevSystem({ readyTimeoutMs: 360_000 })
  account = await freshAccount("fresh")
  browser = await launchChromium()
  context = await newContext(browser, { timezoneId: "Europe/Berlin", locale: "en-GB", viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
})

afterAll(async () => {
  await browser?.close()
  if (reused) return
  await system?.stop()
  const left = []
  for (const port of allDevPorts()) if (await portInUse(port)) left.push(port)
  expect(left, "ports still in use after stopping the system").toEqual([])
})

describe("sign in as a fresh account and publish availability, in Chromium", () => {
  it("signs in through Overlap's /signin and the PDS's own sign-in and consent pages, and lands on /app signed in", async () => {
    const consent = await signIn(page!, account)
    expect(consent.consentShown).toBe(true)
    await expect(page!.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Inbox")
    expect((await context!.cookies(webUrl)).map((c) => c.name)).toContain("overlap-session")
    const settings = await query("app.overlap.session.getSettings", {})
    expect(settings).toMatchObject({ status: 200, body: { reauthorizeRequired: false } })
  })

  it("composes weekly hours on /app/availability: the slotOffer is in the account's repo, then in getOffers through the firehose", async () => {
    await page!.getByRole("link", { name: "Availability" }).first().click()
    await page!.waitForURL(`${webUrl}/app/availability`)
    // the zone defaults to the browser's (set once the page is live in the browser)
    await page!.waitForFunction(() => (globalThis as any).document.getElementById("tz")?.value === "Europe/Berlin", undefined, { timeout: 30_000 })
    expect(await seriousAxeViolations(page!)).toEqual([])

    // Monday: 09:00–12:00 and 14:00–17:00; Tuesday to Friday keep 09:00–17:00; for people who follow me
    await page!.getByLabel("Monday until", { exact: true }).fill("12:00")
    await page!.getByRole("button", { name: "Add a time range on Monday" }).click()
    await page!.getByLabel("Monday from (2)").fill("14:00")
    await page!.getByLabel("Monday until (2)").fill("17:00")
    await page!.getByLabel("Who may book these hours").selectOption("follower")
    await page!.getByLabel("Note for guests (optional, public)").fill("Mornings and afternoons")
    // the preview follows the draft: a Monday in the next 7 days shows both windows
    await expect(page!.getByRole("list", { name: "Open times in the next days" }).innerText()).resolves.toMatch(/Mon[^\n]*\b0?9:00–12:00, 14:00–17:00/)
    await page!.getByRole("button", { name: "Publish these hours" }).click()
    await expect(page!.getByRole("status").innerText()).resolves.toContain("Published to your PDS")

    const [offer] = await waitFor("the offer in the repo", async () => {
      const records = await listRecords("app.overlap.slotOffer")
      return records.length > 0 ? records : undefined
    })
    expect(await listRecords("app.overlap.slotOffer")).toHaveLength(1)
    expect(offer!.value).toMatchObject({ tz: "Europe/Berlin", policy: "follower", note: "Mornings and afternoons" })
    expect(offer!.value.weekly).toEqual(expect.arrayContaining([
      { days: ["monday"], start: "09:00", end: "12:00" },
      { days: ["monday"], start: "14:00", end: "17:00" },
      { days: ["tuesday", "wednesday", "thursday", "friday"], start: "09:00", end: "17:00" }
    ]))
    // the page lists it, read back from the repo
    await page!.getByRole("list", { name: "Your published hours" }).getByText("Mon 09:00–12:00", { exact: false }).waitFor({ timeout: 30_000 })

    // the firehose brings it to the index: getOffers as the host sees it
    const indexed = await waitFor("the offer in getOffers", async () => {
      const answer = await query("app.overlap.getOffers", { host: account.did, limit: "10" })
      return answer.status === 200 && answer.body.offers.some((o: { uri: string }) => o.uri === offer!.uri) ? answer.body : undefined
    })
    expect(indexed.offers.find((o: { uri: string }) => o.uri === offer!.uri)).toMatchObject({ policy: "follower", tz: "Europe/Berlin" })
  })

  it("creates an event type drawing on those hours: in the repo under its slug, then in getEventTypes", async () => {
    await page!.getByLabel("Name", { exact: true }).fill("Intro call")
    await expect(page!.getByLabel("Link name").inputValue()).resolves.toBe("intro-call")
    await page!.getByRole("checkbox", { name: "60 minutes" }).check()
    await page!.getByRole("button", { name: "Save event type" }).click()
    await expect(page!.getByRole("status").innerText()).resolves.toContain("Published to your PDS")
    const [eventType] = await listRecords("app.overlap.eventType")
    expect(eventType).toMatchObject({ uri: `at://${account.did}/app.overlap.eventType/intro-call`, value: { name: "Intro call", durations: [30, 60] } })
    await waitFor("the event type in getEventTypes", async () => {
      const answer = await query("app.overlap.getEventTypes", { host: account.did })
      return answer.status === 200 && answer.body.eventTypes.some((e: { slug: string }) => e.slug === "intro-call") ? true : undefined
    })
    await page!.getByRole("list", { name: "Your event types" }).getByText("Intro call").waitFor({ timeout: 30_000 })
  })

  it("is usable at 360 px and by keyboard, and leaves screenshots at 1280 and 390 px", async () => {
    await page!.reload()
    await page!.waitForFunction(() => (globalThis as any).document.getElementById("tz")?.value === "Europe/Berlin", undefined, { timeout: 30_000 })
    await page!.setViewportSize({ width: 360, height: 800 })
    expect(await scrollsSideways(page!)).toBe(false)
    // Tab reaches the editor's first control
    await page!.getByRole("link", { name: "Availability" }).first().focus()
    let reached = false
    for (let i = 0; i < 30 && !reached; i++) {
      await page!.keyboard.press("Tab")
      reached = (await focused(page!)).id === "tz"
    }
    expect(reached).toBe(true)
    await page!.setViewportSize({ width: 1280, height: 900 })
    expect(await seriousAxeViolations(page!)).toEqual([])
    await screenshots(page!, "availability")
  })

  describe("/app/rules: private rules, an event type's own rules and time off", () => {
    const rulesForm = () => page!.getByRole("form", { name: "Your rules" })
    const eventForm = () => page!.getByRole("form", { name: "Give an event type its own rules" })
    const offForm = () => page!.getByRole("form", { name: "Add time off or other hours" })
    /** Next week's Wednesday in Berlin (the hours are Monday–Friday 09:00–17:00 there, Monday split), and its Thursday. */
    const berlinToday = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Berlin", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date())
    const civil = (offset: number) => new Date(Date.parse(`${berlinToday}T12:00:00Z`) + offset * 86_400_000)
    const toWednesday = (3 - civil(0).getUTCDay() + 7) % 7 + 7
    const dayOff = civil(toWednesday).toISOString().slice(0, 10)
    const dayAfter = civil(toWednesday + 1).toISOString().slice(0, 10)
    /** getAvailability through the web origin with the page's session: the account's own times on one Berlin day. */
    const timesOn = async (day: string) => {
      const answer = await query("app.overlap.getAvailability", {
        host: account.did,
        durationMin: "30",
        tz: "Europe/Berlin",
        earliest: new Date(`${day}T00:00:00+01:00`).toISOString(),
        latest: new Date(`${day}T23:59:00+01:00`).toISOString()
      })
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
      return answer.body.slots as Array<{ start: string }>
    }

    it("saves a 3-a-day cap, 30 minutes' notice, Intro call's own buffer and a day off next week; a refused field is said beside it", async () => {
      // before: next week's Wednesday offers times
      expect((await timesOn(dayOff)).length).toBeGreaterThan(0)
      await page!.getByRole("link", { name: "Rules & time off" }).first().click()
      await page!.waitForURL(`${webUrl}/app/rules`)
      await expect(page!.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Rules & time off")
      await expect(page!.locator("main").innerText()).resolves.toContain("never shown on your booking page or written to your PDS")
      await page!.getByRole("list", { name: "Your time off and other hours" }).getByText("No time off yet").waitFor()
      expect(await seriousAxeViolations(page!)).toEqual([])

      // a value the AppView refuses (400 rules.bufferBeforeMin): its sentence beside the field, nothing saved
      await rulesForm().getByLabel("Buffer before (minutes)").fill("2000")
      await rulesForm().getByRole("button", { name: "Save rules" }).click()
      await expect(page!.locator("#rules-bufferBeforeMin-problem").innerText()).resolves.toBe("Buffer before must be a whole number of minutes from 0 to 1440.")
      await expect(rulesForm().getByLabel("Buffer before (minutes)").getAttribute("aria-invalid")).resolves.toBe("true")
      expect(await page!.locator("main").innerText()).not.toMatch(/[{}]|InvalidRequest/)
      expect((await query("app.overlap.settings.get", {})).body.updatedAt).toBeUndefined()

      await rulesForm().getByLabel("Buffer before (minutes)").fill("")
      await rulesForm().getByLabel(/^Your time zone/).selectOption("Europe/Berlin")
      await rulesForm().getByLabel("Most bookings a day (bookings)").fill("3")
      await rulesForm().getByLabel("Minimum notice (minutes)").fill("30")
      await rulesForm().getByRole("button", { name: "Save rules" }).click()
      await expect(page!.getByRole("status").innerText()).resolves.toContain("Your rules are saved")
      expect(await page!.locator("#rules-bufferBeforeMin-problem").count()).toBe(0)

      await eventForm().getByLabel("Event type").selectOption("intro-call")
      await eventForm().getByLabel("Buffer after (minutes)").fill("15")
      await eventForm().getByRole("button", { name: "Save rules for this event type" }).click()
      await expect(page!.getByRole("status").innerText()).resolves.toContain("Rules for Intro call are saved")

      await offForm().getByLabel("First day").fill(dayOff)
      await expect(offForm().getByLabel("Unavailable all day").isChecked()).resolves.toBe(true)
      await offForm().getByRole("button", { name: "Add to time off" }).click()
      await expect(page!.getByRole("status").innerText()).resolves.toContain("Added to your time off")

      // a reload reads them back from the AppView
      await page!.reload()
      await expect(rulesForm().getByLabel("Most bookings a day (bookings)").inputValue()).resolves.toBe("3")
      await expect(rulesForm().getByLabel("Minimum notice (minutes)").inputValue()).resolves.toBe("30")
      await expect(rulesForm().getByLabel(/^Your time zone/).inputValue()).resolves.toBe("Europe/Berlin")
      await expect(page!.getByRole("list", { name: "Event types with rules of their own" }).innerText()).resolves.toMatch(/Intro call: Buffer after 15 minutes/)
      const off = await page!.getByRole("list", { name: "Your time off and other hours" }).innerText()
      expect(off).toMatch(new RegExp(`Wed,? ${Number(dayOff.slice(8))} \\w+ ${dayOff.slice(0, 4)}: unavailable`))

      // the page's session reads the same settings through the API
      const saved = await query("app.overlap.settings.get", {})
      expect(saved.status).toBe(200)
      expect(saved.body.settings).toEqual({
        timeZone: "Europe/Berlin",
        rules: { maxBookingsPerDay: 3, minimumNoticeMin: 30 },
        eventTypes: [{ eventType: "intro-call", rules: { bufferAfterMin: 15 } }],
        dateOverrides: [{ from: dayOff, hours: [] }]
      })

      // the day off offers nothing to book; the next day still does
      expect(await timesOn(dayOff)).toEqual([])
      expect((await timesOn(dayAfter)).length).toBeGreaterThan(0)
    })

    it("is usable at 360 px and by keyboard, leaves screenshots, and removes the day off and Intro call's own rules", async () => {
      await page!.setViewportSize({ width: 360, height: 800 })
      expect(await scrollsSideways(page!)).toBe(false)
      await page!.getByRole("link", { name: "Rules & time off" }).first().focus()
      let reached = false
      for (let i = 0; i < 30 && !reached; i++) {
        await page!.keyboard.press("Tab")
        reached = (await focused(page!)).id === "rules-timeZone"
      }
      expect(reached).toBe(true)
      await page!.setViewportSize({ width: 1280, height: 900 })
      expect(await seriousAxeViolations(page!)).toEqual([])
      await screenshots(page!, "rules")

      await page!.getByRole("button", { name: /^Remove .*unavailable$/ }).click()
      await expect(page!.getByRole("status").innerText()).resolves.toContain("Removed from your time off")
      await page!.getByRole("button", { name: "Clear the rules of Intro call" }).click()
      await expect(page!.getByRole("status").innerText()).resolves.toContain("Intro call follows your rules again")
      await page!.getByRole("list", { name: "Your time off and other hours" }).getByText("No time off yet").waitFor()
      const saved = await query("app.overlap.settings.get", {})
      expect(saved.body.settings).toEqual({ timeZone: "Europe/Berlin", rules: { maxBookingsPerDay: 3, minimumNoticeMin: 30 } })
      // back to the availability page, where the next test deletes the hours
      await page!.getByRole("link", { name: "Availability" }).first().click()
      await page!.waitForURL(`${webUrl}/app/availability`)
    })
  })

  it("deletes the hours from the repo through the page", async () => {
    const offersBefore = await listRecords("app.overlap.slotOffer")
    await page!.getByRole("button", { name: /^Delete hours:/ }).first().click()
    await expect(page!.getByRole("status").innerText()).resolves.toContain("deleted")
    expect(await listRecords("app.overlap.slotOffer")).toHaveLength(offersBefore.length - 1)
  })

  it("signs out: the old session cookie now gets 401", async () => {
    const old = (await context!.cookies(webUrl)).find((c) => c.name === "overlap-session")!.value
    expect((await fetch(`${webUrl}/xrpc/app.overlap.session.getSettings`, { headers: { cookie: `overlap-session=${old}` } })).status).toBe(200)
    await page!.getByRole("button", { name: "Sign out" }).click()
    await page!.waitForURL((url) => url.pathname !== "/app/availability", { timeout: 30_000 })
    const after = await fetch(`${webUrl}/xrpc/app.overlap.session.getSettings`, { headers: { cookie: `overlap-session=${old}` } })
    expect(after.status).toBe(401)
    expect(await after.json()).toMatchObject({ error: "SessionInvalid" })
    // and the console sends the browser to sign in again
    await page!.goto(`${webUrl}/app/availability`)
    await page!.waitForURL((url) => url.pathname === "/signin")
  })
})

describe("export and delete an account from /app/account, in Chromium", () => {
  let other: Account
  let own: Page
  let ownContext: BrowserContext

  beforeAll(async () => {
    other = await freshAccount("leaving")
    ownContext = await newContext(browser!, { timezoneId: "America/New_York", locale: "en-US", viewport: { width: 1280, height: 900 } })
    own = await ownContext.newPage()
    await signIn(own, other)
  })

  const sessionCookie = async () => (await ownContext.cookies(webUrl)).find((c) => c.name === "overlap-session")?.value

  it("asks for an export: the once-only link downloads the account's bundle, a second download is refused", async () => {
    await own.getByRole("link", { name: "Account" }).first().click()
    await own.waitForURL(`${webUrl}/app/account`)
    await expect(own.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Your account")
    expect(await seriousAxeViolations(own)).toEqual([])
    await own.getByRole("button", { name: "Prepare my export" }).click()
    const link = own.getByRole("link", { name: "Download your data (JSON)" })
    await link.waitFor({ timeout: 30_000 })
    const href = new URL((await link.getAttribute("href"))!)
    expect(href.pathname).toMatch(/^\/account\/export\/[^/]+\/bundle\.json$/)
    // through the web origin: the web Worker forwards the signed link to the AppView
    const bundle = await fetch(`${webUrl}${href.pathname}${href.search}`)
    expect(bundle.status).toBe(200)
    expect(await bundle.json()).toMatchObject({ format: "overlap-export/1", did: other.did })
    const again = await fetch(`${webUrl}${href.pathname}${href.search}`)
    expect(again.status).toBe(410)
    await own.setViewportSize({ width: 360, height: 800 })
    expect(await scrollsSideways(own)).toBe(false)
    await own.setViewportSize({ width: 1280, height: 900 })
    await screenshots(own, "account")
  })

  it("refuses to delete when the typed handle is not the signed-in account's, and deletes nothing", async () => {
    // the resolver route names the field it refuses
    const bad = await own.request.get(`${webUrl}/app/account/resolve-handle?${new URLSearchParams({ handle: "not a handle" })}`)
    expect(bad.status()).toBe(400)
    expect(await bad.json()).toMatchObject({ error: "InvalidRequest", message: expect.stringMatching(/^handle: /) })
    await own.getByLabel("Type your handle to confirm").fill(account.handle)
    await own.getByRole("button", { name: "Delete my account" }).click()
    await expect(own.getByRole("alert").innerText()).resolves.toContain("is not the account you are signed in with")
    const still = await fetch(`${webUrl}/xrpc/app.overlap.session.getSettings`, { headers: { cookie: `overlap-session=${await sessionCookie()}` } })
    expect(still.status).toBe(200)
  })

  it("deletes the account with its own handle typed out: the session is gone and the page says so", async () => {
    const old = (await sessionCookie())!
    await own.getByLabel("Type your handle to confirm").fill(`@${other.handle}`)
    await own.getByRole("button", { name: "Delete my account" }).click()
    await own.getByRole("heading", { name: "Your account is deleted" }).waitFor({ timeout: 60_000 })
    await expect(own.locator("#account-deleted").innerText()).resolves.toContain("signed out everywhere")
    // the header no longer offers to sign out: the page knows the session is gone
    await own.getByRole("banner").getByRole("link", { name: "Sign in" }).waitFor({ timeout: 30_000 })
    expect(await own.getByRole("button", { name: "Sign out" }).count()).toBe(0)
    // the export went with the account: its links are no longer offered
    expect(await own.getByRole("link", { name: "Download your data (JSON)" }).count()).toBe(0)
    const signedOut = await own.request.get(`${webUrl}/app/account/resolve-handle?${new URLSearchParams({ handle: other.handle })}`)
    expect(signedOut.status()).toBe(401)
    // the browser's cookies are cleared and the old one is refused by the AppView
    expect(await sessionCookie()).toBeUndefined()
    const after = await fetch(`${webUrl}/xrpc/app.overlap.session.getSettings`, { headers: { cookie: `overlap-session=${old}` } })
    expect(after.status).toBe(401)
    expect(await after.json()).toMatchObject({ error: "SessionInvalid" })
    expect(await seriousAxeViolations(own)).toEqual([])
    await screenshots(own, "account-deleted")
    await own.goto(`${webUrl}/app/account`)
    await own.waitForURL((url) => url.pathname === "/signin")
  })
})
