/**
 * The local PDS's sign-in and consent, driven over its own HTTP API (@atproto/oauth-provider's `~api`) the way its
 * authorization page does: open the page (device cookies, CSRF cookie), sign in with handle and password, consent.
 * Answers the redirect back to the client (`…/oauth/callback?code=…&state=…&iss=…`).
 */
export const consentAtPds = async (authorizeUrl: string, identifier: string, password = "password"): Promise<string> => {
  const url = new URL(authorizeUrl)
  const jar = new Map<string, string>()
  const keep = (response: Response) => {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";")
      const at = pair!.indexOf("=")
      jar.set(pair!.slice(0, at).trim(), pair!.slice(at + 1).trim())
    }
  }
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ")
  const page = await fetch(authorizeUrl, {
    redirect: "manual",
    headers: { accept: "text/html", "sec-fetch-mode": "navigate", "sec-fetch-site": "cross-site", "sec-fetch-dest": "document" }
  })
  keep(page)
  if (page.status !== 200) throw new Error(`authorize page answered ${page.status}: ${await page.text()}`)
  await page.text()
  const api = async (endpoint: string, body: unknown) => {
    const response = await fetch(`${url.origin}/@atproto/oauth-provider/~api${endpoint}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: url.origin,
        referer: authorizeUrl,
        "sec-fetch-mode": "same-origin",
        "sec-fetch-site": "same-origin",
        "sec-fetch-dest": "empty",
        "x-csrf-token": jar.get("csrf-token") ?? "",
        cookie: cookieHeader()
      },
      body: JSON.stringify(body)
    })
    keep(response)
    const json = (await response.json()) as Record<string, any>
    if (!response.ok) throw new Error(`${endpoint} answered ${response.status}: ${JSON.stringify(json)}`)
    return json
  }
  const signedIn = await api("/sign-in", { locale: "en", username: identifier, password, remember: true })
  const consented = await api("/consent", { did: signedIn.account.sub ?? signedIn.account.did })
  const next = new URL(consented.url as string)
  if (next.origin !== url.origin) return next.toString()
  // the PDS's own redirect step (/oauth/authorize/redirect): it sends the browser back to the client
  const step = await fetch(next, {
    redirect: "manual",
    headers: { cookie: cookieHeader(), referer: authorizeUrl, "sec-fetch-mode": "navigate", "sec-fetch-site": "same-origin", "sec-fetch-dest": "document" }
  })
  const location = step.headers.get("location")
  if (location !== null) return new URL(location, url.origin).toString()
  const html = await step.text()
  const found = /(http:\/\/127\.0\.0\.1[^"'<\s]*\/oauth\/callback[^"'<\s]*)/.exec(html.replaceAll("&amp;", "&"))
  if (found === null) throw new Error(`the PDS's redirect step answered ${step.status} without a way back: ${html.slice(0, 300)}`)
  return found[1]!
}
