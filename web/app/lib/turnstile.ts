// Cloudflare Turnstile in the browser, for anonymous visitors (the AppView checks the token with siteverify).
// Cloudflare's documented test site keys (https://developers.cloudflare.com/turnstile/troubleshooting/testing/)
// yield the dummy token without loading Cloudflare's script, so development and tests never call Cloudflare.

export const DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX"
export const TURNSTILE_HEADER = "cf-turnstile-response"

const isTestSiteKey = (siteKey: string) => /^[123]x0{20}AA$/.test(siteKey)

interface TurnstileApi {
  render(container: HTMLElement, options: { sitekey: string; callback: (token: string) => void; "error-callback": () => void; size?: string }): string
  reset(widget: string): void
}

let script: Promise<TurnstileApi> | undefined
const loadScript = (): Promise<TurnstileApi> =>
  (script ??= new Promise((resolve, reject) => {
    const element = document.createElement("script")
    element.src = "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit"
    element.async = true
    element.onload = () => resolve((window as unknown as { turnstile: TurnstileApi }).turnstile)
    element.onerror = () => reject(new Error("turnstile script did not load"))
    document.head.appendChild(element)
  }))

/**
 * One fresh token (a token verifies only once): the widget renders into `container` the first time and is
 * reset for every further token.
 */
export const makeTokenSource = (siteKey: string, container: () => HTMLElement | null) => {
  let widget: string | undefined
  let waiting: ((token: string) => void) | undefined
  let failing: ((error: Error) => void) | undefined
  return async (): Promise<string> => {
    if (isTestSiteKey(siteKey)) return DUMMY_TOKEN
    const api = await loadScript()
    return new Promise<string>((resolve, reject) => {
      waiting = resolve
      failing = reject
      const where = container()
      if (where === null) return reject(new Error("no place for the Turnstile widget"))
      if (widget === undefined) {
        widget = api.render(where, {
          sitekey: siteKey,
          callback: (token) => waiting?.(token),
          "error-callback": () => failing?.(new Error("turnstile challenge failed"))
        })
      } else api.reset(widget)
    })
  }
}
