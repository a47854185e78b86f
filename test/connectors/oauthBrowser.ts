import { expect } from "vitest"

/**
 * A browser going through the connect flow (issue 12, item 6), for tests that drive the AppView's OAuth routes
 * (`handleOAuthRoute`, or the worker's fetch): it keeps the flow cookie the begin route sets and sends it back,
 * and can fill in the confirmation form. `route` answers a Request as the AppView would.
 */
export type Route = (request: Request) => Promise<Response>

export interface ConfirmationForm {
  readonly action: string
  readonly fields: Readonly<Record<string, string>>
}

const unescape = (text: string) =>
  text.replace(/&quot;/g, "\"").replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")

/** The confirmation page's form: its action and hidden fields. */
export const confirmationForm = (html: string): ConfirmationForm => {
  const action = /<form method="post" action="([^"]*)">/.exec(html)
  expect(action, "the page has a POST form").not.toBeNull()
  const fields: Record<string, string> = {}
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = unescape(m[2]!)
  return { action: unescape(action![1]!), fields }
}

/** The `name=value` pair a Set-Cookie header sets, and its attributes. */
export const cookieOf = (response: Response) => {
  const header = response.headers.get("set-cookie")
  expect(header, "a Set-Cookie header").not.toBeNull()
  const [pair, ...attributes] = header!.split(";").map((s) => s.trim())
  return { pair: pair!, attributes }
}

export const makeBrowser = (route: Route, origin = "https://overlap.test") => {
  let cookie: string | undefined
  const headers = (extra: Record<string, string> = {}) => ({ ...(cookie === undefined ? {} : { cookie }), ...extra })
  return {
    get cookie() {
      return cookie
    },
    set cookie(value: string | undefined) {
      cookie = value
    },
    /** Opens connector.start's link: keeps the flow cookie, answers the provider's authorization URL. */
    begin: async (link: string): Promise<string> => {
      const response = await route(new Request(link, { headers: headers() }))
      expect(response.status).toBe(302)
      cookie = cookieOf(response).pair
      return response.headers.get("location")!
    },
    /** The provider's redirect back, as this browser makes it (with its cookie, if any). */
    callback: (url: string) => route(new Request(url, { headers: headers() })),
    /** Sends the confirmation form (from `origin`, with this browser's cookie). */
    confirm: (form: ConfirmationForm, options: { readonly origin?: string | null; readonly fields?: Record<string, string> } = {}) =>
      route(new Request(new URL(form.action, origin), {
        method: "POST",
        headers: headers({
          "content-type": "application/x-www-form-urlencoded",
          ...(options.origin === null ? {} : { origin: options.origin ?? origin })
        }),
        body: new URLSearchParams({ ...form.fields, ...options.fields }).toString()
      }))
  }
}

/** The user at the provider (a local fake): consent, and the redirect back to the AppView's callback. */
export const consentAt = async (authorizationUrl: string): Promise<string> => {
  const response = await fetch(authorizationUrl, { redirect: "manual" })
  expect(response.status).toBe(302)
  return response.headers.get("location")!
}
