// Browser tests in real Chromium: Debian's `chromium` package (.ci/apt-packages) driven by playwright-core, which
// cannot download browsers here. Headless, no sandbox (tests run as root in CI containers). Screenshots land in
// .tmp/screenshots/ (not committed) so a failing run leaves something to look at.
import fs from "node:fs"
import path from "node:path"
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core"

export const CHROMIUM_PATH = "/usr/bin/chromium"
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, "../../.tmp/screenshots")

/** Launches headless Chromium (close it in afterAll: `await browser.close()`). */
export const launchBrowser = (options: { readonly slowMo?: number } = {}): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
    ...(options.slowMo === undefined ? {} : { slowMo: options.slowMo })
  })

export interface ContextOptions {
  /** IANA zone the page sees (Intl, Date); default UTC. */
  readonly timezoneId?: string
  /** Default 1280×800; a phone is { width: 390, height: 844 }. */
  readonly viewport?: { readonly width: number; readonly height: number }
  /** Default en-US. */
  readonly locale?: string
  /** Relative page.goto() URLs resolve against it. */
  readonly baseURL?: string
  /** Anything else Playwright's newContext takes (extraHTTPHeaders, colorScheme, …). */
  readonly extra?: BrowserContextOptions
}

/** A fresh browser profile (its own cookies and storage) with the given time zone, viewport and locale. */
export const newContext = (browser: Browser, options: ContextOptions = {}): Promise<BrowserContext> =>
  browser.newContext({
    ...options.extra,
    timezoneId: options.timezoneId ?? "UTC",
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: options.locale ?? "en-US",
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL })
  })

/** Saves a full-page PNG as .tmp/screenshots/<name>.png and returns its path. */
export const screenshot = async (page: Page, name: string): Promise<string> => {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, "-")}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

export interface PdsSignIn {
  /** Handle (or e-mail) typed into the PDS's sign-in form, e.g. "alice.test". */
  readonly handle: string
  readonly password: string
  /** Approve the consent page (default) or deny it. */
  readonly consent?: "approve" | "deny"
  /** When set, a screenshot of each PDS page is saved as <prefix>-signin.png / <prefix>-consent.png. */
  readonly screenshotPrefix?: string
  /** How long each step may take; default 20 s. */
  readonly timeoutMs?: number
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * Drives the local PDS's real OAuth pages (@atproto/oauth-provider-ui, PDS 0.5): `page` is on the PDS's
 * /oauth/authorize URL. Signs in with handle and password (the handle field is skipped when a login_hint
 * already filled it), then approves (or denies) on the consent page, and resolves once the browser has left the
 * PDS for the client's redirect URI (the page is then wherever the client sent it).
 */
export interface PdsSignInResult {
  /** false when the PDS skipped consent (this client was already approved for these scopes). */
  readonly consentShown: boolean
  /** The consent page's visible text (permission set titles, the client's name), when it was shown. */
  readonly consentText: string | undefined
}

export const signInOnPds = async (page: Page, options: PdsSignIn): Promise<PdsSignInResult> => {
  const timeout = options.timeoutMs ?? 20_000
  const pdsOrigin = new URL(page.url()).origin
  const shot = (step: string) => (options.screenshotPrefix ? screenshot(page, `${options.screenshotPrefix}-${step}`) : Promise.resolve(""))

  const password = page.locator('input[type="password"]')
  // Without a login_hint the PDS opens on a welcome page ("Create a new account" / "Sign in" / "Cancel").
  const welcomeSignIn = page.locator('button[type="button"]').filter({ hasText: /^\s*Sign in\s*$/ })
  const opening = await Promise.race([
    password.waitFor({ state: "visible", timeout }).then(() => "form" as const),
    welcomeSignIn.waitFor({ state: "visible", timeout }).then(() => "welcome" as const)
  ])
  if (opening === "welcome") {
    await welcomeSignIn.click({ timeout })
    await password.waitFor({ state: "visible", timeout })
  }
  const username = page.locator('input[name="username"]')
  if ((await username.count()) > 0 && (await username.isEditable()) && (await username.inputValue()) === "") {
    await username.fill(options.handle)
  }
  await password.fill(options.password)
  await shot("signin")
  await page.locator('button[type="submit"]').first().click({ timeout })

  const leftPds = page.waitForURL((url) => url.origin !== pdsOrigin, { timeout, waitUntil: "commit" })
  const consentButton = page.getByRole("button", { name: new RegExp(`^${escapeRegExp(options.consent === "deny" ? "Deny" : "Authorize")}`, "i") })
  // The consent page is skipped when this client was already approved for these scopes: whichever comes first.
  const first = await Promise.race([
    leftPds.then(() => "left" as const),
    consentButton.waitFor({ state: "visible", timeout }).then(() => "consent" as const)
  ])
  if (first === "left") return { consentShown: false, consentText: undefined }
  await shot("consent")
  const consentText = await page.locator("body").innerText()
  await consentButton.click({ timeout })
  await leftPds
  return { consentShown: true, consentText }
}
