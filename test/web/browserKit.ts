// Browser tests' kit: Debian Chromium through playwright-core (nothing downloads), axe-core run inside the page,
// and screenshots at the widths the issue asks for (saved under .tmp/screenshots/).
import { mkdirSync } from "node:fs"
import { createRequire } from "node:module"
import path from "node:path"
import type { Browser, BrowserContextOptions, Page } from "playwright-core"
import { launchBrowser, SCREENSHOT_DIR } from "../support/browser"

const require = createRequire(import.meta.url)
export const screenshotDir = SCREENSHOT_DIR

/** Headless Debian Chromium (test/support/browser.ts: /usr/bin/chromium, --no-sandbox). */
export const launchChromium = (): Promise<Browser> => launchBrowser()

export const newPage = async (browser: Browser, options: BrowserContextOptions = {}): Promise<Page> => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB", ...options })
  return context.newPage()
}

/** What page.evaluate callbacks use of the browser (this project type-checks without the DOM library). */
interface InPage {
  readonly document: { readonly documentElement: { readonly scrollWidth: number; readonly clientWidth: number } }
  readonly axe: { run: (context: unknown, options: object) => Promise<{ violations: Array<AxeViolation> }> }
}

export interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly nodes: ReadonlyArray<{ readonly target: ReadonlyArray<string> }>
}

/** axe-core's WCAG 2 A/AA checks on the page as it is now; only serious and critical violations are returned. */
export const seriousAxeViolations = async (page: Page): Promise<ReadonlyArray<AxeViolation>> => {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") })
  const violations = await page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as InPage
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }))
  })
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical")
}

/** Full-page screenshots at 1280 and 390 px wide: `<name>-1280.png`, `<name>-390.png`. */
export const screenshots = async (page: Page, name: string): Promise<void> => {
  mkdirSync(screenshotDir, { recursive: true })
  const original = page.viewportSize() ?? { width: 1280, height: 900 }
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 })
    await page.screenshot({ path: path.join(screenshotDir, `${name}-${width}.png`), fullPage: true })
  }
  await page.setViewportSize(original)
}

/** Whether the page scrolls sideways at its current width (unusable on a phone). */
export const scrollsSideways = (page: Page): Promise<boolean> =>
  page.evaluate(() => {
    const { documentElement } = (globalThis as unknown as InPage).document
    return documentElement.scrollWidth > documentElement.clientWidth + 1
  })

/** The focused element's id and text. */
export const focused = (page: Page): Promise<{ id: string; text: string }> =>
  page.evaluate(() => {
    const active = (globalThis as unknown as { document: { activeElement: { id: string; textContent: string | null } | null } }).document.activeElement
    return { id: active?.id ?? "", text: active?.textContent ?? "" }
  })
