// The signed-in journey of issue 14 ("How it is tested" 1–4 and 6) in real Chromium against the whole local
// system (scripts/dev.mjs), with two real CalDAV calendars (Radicale, one server per person):
//   1. a host signs in through the PDS's pages, has weekly hours, connects their CalDAV calendar, opens their page;
//   2. a guest in another zone follows the host, sees the host's hours in their zone, books one;
//   3. the host confirms in the inbox; both inboxes show it confirmed (the guest's without a reload); both
//      calendars hold the event;
//   4. the guest proposes another time, the host accepts it, then the guest cancels; the calendars follow;
// the calendar choices (step 1: "Blocks my availability" and "Holds go here" by keyboard, saved, kept over a reload),
// and the settings page: who is signed in (handle and DID, copyable), webhooks (secret once), publishing (off by
// default), notifications. Screenshots of every
// page at 1280 and 390 px land in .tmp/screenshots/.
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { allDevPorts, devUrls, type DevSystem, portInUse, startDevSystem } from "../../scripts/devSystem.mjs"
import { type Radicale, startRadicale } from "../support/radicale"
import { launchChromium, newPage, screenshots, scrollsSideways, seriousAxeViolations } from "./browserKit"
import { newPerson, type Person, putRecord, putWeeklyOffer, signIn, signInPageServed, waitFor, zonedInstant } from "./signedInKit"

const { webUrl } = devUrls
const HOST_ZONE = "Europe/Berlin"
const GUEST_ZONE = "America/New_York"

let system: DevSystem | undefined
let reused = false
let browser: Browser | undefined
let host: Person
let guest: Person
let hostCal: Radicale
let guestCal: Radicale
let hostPage: Page
let guestPage: Page
/** The booked slot's start, then the new start after the move. */
let bookedStart = ""
let movedStart = ""

/** Every calendar object in the person's Radicale calendar "personal" (the iCalendar texts). */
const calendarObjects = async (cal: Radicale): Promise<ReadonlyArray<string>> => {
  const listing = await cal.request(`${cal.homeUrl}personal/`, { method: "PROPFIND", headers: { depth: "1", "content-type": "application/xml" }, body: `<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>` })
  const hrefs = [...(await listing.text()).matchAll(/<(?:D:|)href>([^<]+\.ics)<\/(?:D:|)href>/g)].map((match) => match[1]!)
  return Promise.all(hrefs.map(async (href) => (await cal.request(href)).text()))
}

/**
 * The instants the VEVENTs of an iCalendar text start at: `DTSTART:…Z` in UTC, or `DTSTART;TZID=<zone>:…` on that
 * zone's clock (Overlap writes the booking's zone with its VTIMEZONE).
 */
const eventStarts = (text: string): ReadonlyArray<number> =>
  text
    .split("BEGIN:VEVENT")
    .slice(1)
    .flatMap((vevent) => {
      const found = /^DTSTART(?:;TZID=([^:;\r\n]+))?[^:\r\n]*:(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)\r?$/m.exec(vevent)
      if (found === null) return []
      const [, tz, year, month, day, hour, minute, second, utc] = found
      const ymd = `${year}-${month}-${day}`
      return [tz === undefined || utc === "Z" ? Date.parse(`${ymd}T${hour}:${minute}:${second}Z`) : zonedInstant(ymd, `${hour}:${minute}`, tz).getTime()]
    })

/** Whether some event in the calendar starts at `iso` (and is not canceled). */
const holdsEventAt = async (cal: Radicale, iso: string) => {
  const objects = await calendarObjects(cal)
  return objects.some((text) => eventStarts(text).includes(Date.parse(iso)) && !text.includes("STATUS:CANCELLED"))
}

/** What page.evaluate callbacks use of the browser (this project type-checks without the DOM library). */
interface FocusInPage {
  readonly document: { readonly activeElement: { getAttribute(name: string): string | null; readonly textContent: string | null } | null }
}

/** After a reload: the page's form `labelledBy` has React's handlers (hydrated), so a submit is the app's, not the browser's. */
const hydrated = (page: Page, labelledBy: string) =>
  page.waitForFunction(
    (id) => {
      const form = (globalThis as unknown as { document: { querySelector(s: string): object | null } }).document.querySelector(`form[aria-labelledby="${id}"]`)
      return form !== null && Object.keys(form).some((key) => key.startsWith("__reactProps"))
    },
    labelledBy,
    { timeout: 30_000 }
  )

/** The accessible names of the controls Tab reaches, in order, from the top of a freshly loaded page until `last` (at most 80). */
const tabOrderUntil = async (page: Page, last: string): Promise<ReadonlyArray<string>> => {
  const names: Array<string> = []
  for (let i = 0; i < 80 && names[names.length - 1] !== last; i++) {
    await page.keyboard.press("Tab")
    names.push(await page.evaluate(() => {
      const element = (globalThis as unknown as FocusInPage).document.activeElement
      return element?.getAttribute("aria-label") ?? element?.textContent?.trim() ?? ""
    }))
  }
  return names
}

const hourIn = (iso: string, zone: string) => Number(new Intl.DateTimeFormat("en-GB", { hour: "2-digit", hourCycle: "h23", timeZone: zone }).format(new Date(iso)))

const connectCaldav = async (page: Page, cal: Radicale) => {
  await page.goto(`${webUrl}/app/calendars`)
  await page.getByLabel("Server address").fill(cal.url)
  await page.getByLabel("Username").fill(cal.username)
  await page.getByLabel("App password").fill(cal.password)
  await page.getByRole("button", { name: "Connect CalDAV" }).click()
  await page.locator(".card").filter({ hasText: "CalDAV" }).filter({ hasText: "Working" }).waitFor({ timeout: 90_000 })
}

beforeAll(async () => {
  reused = process.env.OVERLAP_WEB_TEST_REUSE === "1" && (await portInUse(8785))
  const roomy = { capacity: 1000, refillPerSecond: 10 }
  const limits = { availability: roomy, hostBudget: roomy, hostStrangers: roomy, authAttempts: { capacity: 1_000_000, refillPerSecond: 10_000 } }
  if (!reused) system = await startDevSystem({ vars: { OVERLAP_RATE_LIMITS: JSON.stringify(limits) }, readyTimeoutMs: 360_000 })
  await signInPageServed()
  browser = await launchChromium()
  hostCal = await startRadicale({ username: "host", password: "host-app-password" })
  guestCal = await startRadicale({ username: "guest", password: "guest-app-password" })
  await hostCal.makeCalendar("personal")
  // a second calendar of the host's, for the calendar choices (step 1): it ends unticked, personal takes the holds
  await hostCal.makeCalendar("work")
  await guestCal.makeCalendar("personal")
  host = await newPerson("host")
  guest = await newPerson("guest")
  hostPage = await newPage(browser, { timezoneId: HOST_ZONE })
  guestPage = await newPage(browser, { timezoneId: GUEST_ZONE })
}, 600_000)

afterAll(async () => {
  await browser?.close()
  await hostCal?.stop()
  await guestCal?.stop()
  if (reused) return
  await system?.stop()
  const left = []
  for (const port of allDevPorts()) if (await portInUse(port)) left.push(port)
  expect(left, "ports still in use after stopping the system").toEqual([])
})

describe("the signed-in journey in Chromium (host and guest, two zones, two CalDAV calendars)", () => {
  it("1. the host signs in, has weekly hours, connects their CalDAV calendar and opens their own booking page", async () => {
    await hostPage.goto(`${webUrl}/signin?returnTo=%2Fapp%2Fcalendars`)
    await signIn(hostPage, host.handle)
    expect(new URL(hostPage.url()).pathname).toBe("/app/calendars")
    // weekly hours for followers, 09:00–17:00 Berlin every day (written to the host's repo)
    await putWeeklyOffer(host, { policy: "follower", tz: HOST_ZONE, startTime: "09:00", endTime: "17:00" })
    await connectCaldav(hostPage, hostCal)
    await expect(hostPage.locator(".card").filter({ hasText: "CalDAV" }).filter({ hasText: "Working" }).textContent()).resolves.toContain("personal")
    // the calendar choices: every control labelled with its calendar, reached by Tab, operated by keyboard
    const blocks = (name: string) => hostPage.getByRole("checkbox", { name: `${name}: blocks my availability` })
    const holds = (name: string) => hostPage.getByRole("radio", { name: `${name}: holds go here` })
    const save = hostPage.getByRole("button", { name: "Save calendar choices" })
    await hostPage.reload()
    await hydrated(hostPage, "calendar-choices")
    for (const name of ["personal", "work"]) {
      expect(await blocks(name).count(), `${name}'s checkbox`).toBe(1)
      expect(await holds(name).count(), `${name}'s radio`).toBe(1)
    }
    const reached = await tabOrderUntil(hostPage, "Save calendar choices")
    expect(reached).toEqual(expect.arrayContaining(["personal: blocks my availability", "work: blocks my availability", "Save calendar choices"]))
    expect(reached.some((name) => name.endsWith(": holds go here")), `a holds radio in the Tab order: ${reached.join(" | ")}`).toBe(true)
    // Space unticks "work"; Space picks personal for holds, an arrow key moves the choice to work (which no longer blocks)
    await blocks("work").focus()
    await hostPage.keyboard.press("Space")
    expect(await blocks("work").isChecked()).toBe(false)
    await holds("personal").focus()
    await hostPage.keyboard.press("Space")
    expect(await holds("personal").isChecked()).toBe(true)
    await hostPage.keyboard.press("ArrowDown")
    expect(await holds("work").isChecked()).toBe(true)
    await save.focus()
    await hostPage.keyboard.press("Enter")
    // refused on the page, in words: holds must go to a calendar that blocks
    await hostPage.getByRole("alert").filter({ hasText: "must block your availability" }).waitFor({ timeout: 30_000 })
    await holds("work").focus()
    await hostPage.keyboard.press("ArrowUp")
    expect(await holds("personal").isChecked()).toBe(true)
    await save.focus()
    await hostPage.keyboard.press("Enter")
    const listed = hostPage.getByRole("list", { name: /^Calendars of CalDAV/ })
    await expect.poll(() => listed.getByRole("listitem").filter({ hasText: "work" }).textContent(), { timeout: 30_000 }).toContain("does not block times")
    await expect.poll(() => listed.getByRole("listitem").filter({ hasText: "personal" }).textContent(), { timeout: 30_000 }).toContain("holds go here")
    // saved: a reload shows the same choices
    await hostPage.reload()
    await hydrated(hostPage, "calendar-choices")
    expect([await blocks("personal").isChecked(), await blocks("work").isChecked(), await holds("personal").isChecked(), await holds("work").isChecked()]).toEqual([true, false, true, false])
    // 360 px wide: nothing scrolls sideways
    await hostPage.setViewportSize({ width: 360, height: 740 })
    expect(await scrollsSideways(hostPage), "/app/calendars scrolls sideways at 360 px").toBe(false)
    await hostPage.setViewportSize({ width: 1280, height: 900 })
    expect(await seriousAxeViolations(hostPage)).toEqual([])
    await screenshots(hostPage, "calendars")
    await hostPage.goto(`${webUrl}/@${host.handle}`)
    await expect(hostPage.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(`Book a time with @${host.handle}`)
    await screenshots(hostPage, "journey-own-page")
  }, 400_000)

  it("2. the guest follows the host, sees the host's hours in their own zone and books one", async () => {
    await putRecord(guest, "app.bsky.graph.follow", { subject: host.did })
    await guestPage.goto(`${webUrl}/signin?returnTo=%2Fapp%2Fcalendars`)
    await signIn(guestPage, guest.handle)
    await connectCaldav(guestPage, guestCal)
    await guestPage.goto(`${webUrl}/@${host.handle}`)
    const times = await waitFor("the host's hours for a follower", async () => {
      await guestPage.reload()
      await guestPage.locator(".times button, [role=status]").first().waitFor({ timeout: 30_000 })
      return (await guestPage.locator(".times button").count()) > 0 ? guestPage.locator(".times button") : undefined
    }, 240_000)
    await expect(guestPage.locator("#host-zone").textContent()).resolves.toContain("Europe/Berlin")
    const shown = await times.evaluateAll((buttons) => buttons.map((b) => ({ start: b.getAttribute("data-start")!, text: b.textContent! })))
    for (const { start, text } of shown) {
      // shown on the guest's clock, and inside the host's 09:00–17:00 Berlin
      expect(text).toBe(new Intl.DateTimeFormat("en-GB", { hour: "numeric", minute: "2-digit", timeZone: GUEST_ZONE }).format(new Date(start)))
      expect(hourIn(start, HOST_ZONE)).toBeGreaterThanOrEqual(9)
      expect(hourIn(start, HOST_ZONE)).toBeLessThan(17)
    }
    bookedStart = shown[0]!.start
    await times.first().click()
    await guestPage.getByLabel(`Note to @${host.handle} (optional)`).fill("Looking forward to it")
    await guestPage.getByRole("button", { name: /^Book / }).click()
    await guestPage.getByRole("status").filter({ hasText: `Held — waiting for @${host.handle} to confirm` }).waitFor({ timeout: 90_000 })
    await screenshots(guestPage, "journey-booking-held")
  }, 400_000)

  it("3. the host confirms in the inbox; both inboxes show it confirmed (the guest's without a reload); both calendars hold it", async () => {
    // the guest's inbox is open before the host confirms: it must update by itself
    await guestPage.goto(`${webUrl}/app`)
    await guestPage.getByRole("region", { name: "As guest: Waiting for the host to confirm" }).waitFor({ timeout: 60_000 })
    // the note typed on the booking page (step 2) reached the booking: the guest sees their own
    await expect(guestPage.getByRole("region", { name: "As guest: Waiting for the host to confirm" }).locator(".card").first().textContent())
      .resolves.toContain("Your note: Looking forward to it")
    await hostPage.goto(`${webUrl}/app`)
    const waiting = hostPage.getByRole("region", { name: "As host: Waiting for the host to confirm" })
    await waiting.waitFor({ timeout: 60_000 })
    const card = waiting.locator(".card").first()
    // the guest's handle, the time on the host's clock with the guest's beside
    await expect(card.textContent()).resolves.toContain(`@${guest.handle}`)
    await expect(card.textContent()).resolves.toContain(GUEST_ZONE.replaceAll("_", " "))
    // the guest's note, from the guest (plain text)
    await expect(card.textContent()).resolves.toContain(`Note from @${guest.handle}: Looking forward to it`)
    await card.getByRole("button", { name: "Confirm" }).click()
    await hostPage.getByRole("region", { name: "As host: Confirmed" }).waitFor({ timeout: 60_000 })
    expect(await seriousAxeViolations(hostPage)).toEqual([])
    await screenshots(hostPage, "inbox-host")
    await guestPage.getByRole("region", { name: "As guest: Confirmed" }).waitFor({ timeout: 90_000 })
    await expect(guestPage.getByRole("region", { name: "As guest: Confirmed" }).textContent()).resolves.toContain(HOST_ZONE.replaceAll("_", " "))
    expect(await seriousAxeViolations(guestPage)).toEqual([])
    await screenshots(guestPage, "inbox-guest")
    await waitFor("the event in the host's calendar", async () => ((await holdsEventAt(hostCal, bookedStart)) ? true : undefined), 90_000)
    await waitFor("the event in the guest's calendar", async () => ((await holdsEventAt(guestCal, bookedStart)) ? true : undefined), 90_000)
  }, 400_000)

  it("4. the guest proposes another time, the host accepts it, then the guest cancels; the calendars follow", async () => {
    const confirmed = guestPage.getByRole("region", { name: "As guest: Confirmed" })
    await confirmed.getByRole("button", { name: "Move to another time" }).first().click()
    const candidate = guestPage.locator("fieldset .times button").first()
    await guestPage.locator("fieldset .times button, fieldset p, .card [role=alert]").first().waitFor({ timeout: 60_000 })
    if ((await guestPage.locator("fieldset .times button").count()) === 0) {
      throw new Error(`no candidate time; the page says: ${await guestPage.locator("fieldset p, .card [role=alert]").first().textContent()}`)
    }
    movedStart = (await candidate.getAttribute("data-start"))!
    expect(movedStart).not.toBe(bookedStart)
    await candidate.click()
    await guestPage.getByRole("status").filter({ hasText: "confirms or declines the move" }).waitFor({ timeout: 60_000 })
    // the host sees the proposal (by polling) and accepts it
    await hostPage.getByRole("group", { name: "Proposed new time" }).waitFor({ timeout: 90_000 })
    await screenshots(hostPage, "inbox-host-proposal")
    await hostPage.getByRole("button", { name: "Accept new time" }).click()
    await waitFor("the host's calendar to move", async () => ((await holdsEventAt(hostCal, movedStart)) && !(await holdsEventAt(hostCal, bookedStart)) ? true : undefined), 90_000)
    await waitFor("the guest's calendar to move", async () => ((await holdsEventAt(guestCal, movedStart)) && !(await holdsEventAt(guestCal, bookedStart)) ? true : undefined), 90_000)
    // the guest's inbox shows the new time and cancels
    await guestPage.reload()
    // the server renders in UTC; the browser's zone comes once the page is hydrated
    await guestPage.getByText(`Times in ${GUEST_ZONE.replaceAll("_", " ")}.`).waitFor({ timeout: 60_000 })
    const moved = guestPage.locator(".card").filter({ has: guestPage.getByRole("button", { name: "Cancel meeting" }) }).first()
    await moved.waitFor({ timeout: 60_000 })
    await expect(moved.textContent()).resolves.toContain(new Intl.DateTimeFormat("en-GB", { hour: "numeric", minute: "2-digit", timeZone: GUEST_ZONE }).format(new Date(movedStart)))
    await moved.getByRole("button", { name: "Cancel meeting" }).click()
    await guestPage.getByRole("region", { name: "As guest: Canceled" }).waitFor({ timeout: 60_000 })
    await hostPage.getByRole("region", { name: "As host: Canceled" }).waitFor({ timeout: 90_000 })
    await waitFor("the host's calendar to drop it", async () => (!(await holdsEventAt(hostCal, movedStart)) ? true : undefined), 90_000)
    await waitFor("the guest's calendar to drop it", async () => (!(await holdsEventAt(guestCal, movedStart)) ? true : undefined), 90_000)
  }, 400_000)

  it("settings: who is signed in, webhooks (the secret shown once), publishing off by default, notifications (no address, no e-mail), 360 px", async () => {
    await hostPage.goto(`${webUrl}/app/settings`)
    // who is signed in: the handle and the DID (app.overlap.account.getSession), each with a working copy button
    await expect(hostPage.locator("#account-handle").textContent({ timeout: 30_000 })).resolves.toBe(`@${host.handle}`)
    await expect(hostPage.locator("#account-did").textContent()).resolves.toBe(host.did)
    await hostPage.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: webUrl })
    await hostPage.getByRole("button", { name: "Copy DID" }).click()
    await hostPage.getByRole("status").filter({ hasText: "DID copied" }).waitFor({ timeout: 10_000 })
    const clipboard = await hostPage.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())
    expect(clipboard).toBe(host.did)
    // publishing is off until the person turns it on
    const publish = hostPage.getByLabel(/Publish my meetings to my PDS/)
    expect(await publish.isChecked()).toBe(false)
    await publish.click()
    await expect.poll(() => publish.isChecked(), { timeout: 30_000 }).toBe(true)
    await expect.poll(() => publish.isDisabled(), { timeout: 30_000 }).toBe(false)
    await hostPage.reload()
    await expect.poll(() => hostPage.getByLabel(/Publish my meetings to my PDS/).isChecked(), { timeout: 30_000 }).toBe(true)
    // notifications: no address means no e-mail, said in words; an address waits for its link
    await expect(hostPage.locator("#email-state").textContent()).resolves.toContain("No e-mail address: Overlap sends you no e-mail")
    await hostPage.getByLabel("E-mail address").fill("host@example.test")
    await hostPage.getByRole("button", { name: "Save address" }).click()
    await expect.poll(() => hostPage.locator("#email-state").textContent(), { timeout: 30_000 }).toContain("host@example.test is not confirmed yet")
    await hostPage.getByRole("button", { name: "Remove address" }).click()
    await expect.poll(() => hostPage.locator("#email-state").textContent(), { timeout: 30_000 }).toContain("No e-mail address")
    // reminders: a saved preference is read back
    await hostPage.getByLabel("Minutes before (up to 4, e.g. 1440, 60)").fill("30")
    await hostPage.getByRole("button", { name: "Save preferences" }).click()
    await hostPage.getByRole("status").filter({ hasText: "Notification preferences saved." }).waitFor({ timeout: 30_000 })
    await hostPage.reload()
    await expect.poll(() => hostPage.getByLabel("Minutes before (up to 4, e.g. 1440, 60)").inputValue(), { timeout: 30_000 }).toBe("30")
    // webhooks: the secret is shown once, then only the address stays
    await hostPage.getByLabel("Endpoint address (https)").fill("https://hooks.example.com/overlap")
    await hostPage.getByRole("button", { name: "Add webhook" }).click()
    const secret = await hostPage.locator("#webhook-secret").textContent({ timeout: 30_000 })
    expect(secret).toMatch(/^whsec_/)
    expect(await seriousAxeViolations(hostPage)).toEqual([])
    await screenshots(hostPage, "settings")
    await hostPage.reload()
    await hostPage.getByRole("list", { name: "Your webhooks" }).getByText("https://hooks.example.com/overlap").waitFor({ timeout: 30_000 })
    expect(await hostPage.locator("#webhook-secret").count()).toBe(0)
    expect(await hostPage.content()).not.toContain(secret!)
    await hostPage.getByRole("button", { name: "Delete the webhook for https://hooks.example.com/overlap" }).click()
    await expect.poll(() => hostPage.getByText("No webhook yet.").count(), { timeout: 30_000 }).toBe(1)
    // every console page is usable at 360 px
    await hostPage.setViewportSize({ width: 360, height: 740 })
    for (const path of ["/app", "/app/calendars", "/app/settings"]) {
      await hostPage.goto(`${webUrl}${path}`)
      expect(await scrollsSideways(hostPage), `${path} scrolls sideways at 360 px`).toBe(false)
    }
  }, 400_000)

  it("removing a calendar takes it off the list; signing out ends the session", async () => {
    await guestPage.goto(`${webUrl}/app/calendars`)
    await guestPage.getByRole("button", { name: /^Remove CalDAV/ }).click()
    await expect.poll(() => guestPage.locator(".card").filter({ hasText: "CalDAV" }).filter({ hasText: "Working" }).count(), { timeout: 30_000 }).toBe(0)
    await guestPage.getByRole("button", { name: "Sign out" }).first().click()
    await guestPage.waitForURL(`${webUrl}/`, { timeout: 30_000 })
    await guestPage.goto(`${webUrl}/app`)
    await guestPage.waitForURL(/\/signin\?/, { timeout: 30_000 })
  }, 400_000)
})
