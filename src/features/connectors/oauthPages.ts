import type { OAuthProvider } from "../../domain/oauth/providers"

/** The small HTML pages of the OAuth routes (oauthCallback.ts): no script, no third-party content, no referrer. */

export const PROVIDER_NAMES: Readonly<Record<OAuthProvider, string>> = { google: "Google Calendar", microsoft: "Microsoft Outlook" }

const ACCOUNT_NAMES: Readonly<Record<OAuthProvider, string>> = { google: "Google account", microsoft: "Microsoft account" }

export const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  // form-action does not fall back to default-src: the confirmation form may post to this origin only.
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
}

const html = (status: number, title: string, bodyHtml: string, extraHeaders: Record<string, string> = {}): Response =>
  new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escapeHtml(title)} · Overlap</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}code{word-break:break-all}</style>` +
      `</head><body><h1>${escapeHtml(title)}</h1>${bodyHtml}</body></html>`,
    { status, headers: { ...PAGE_HEADERS, ...extraHeaders } }
  )

export const page = (status: number, title: string, body: string, extraHeaders: Record<string, string> = {}): Response =>
  html(status, title, `<p>${escapeHtml(body)}</p>`, extraHeaders)

/**
 * The callback's answer to the browser that started the flow: which Overlap account the calendar would be
 * connected to, and a form that does it (POST, same origin, carrying the flow cookie's nonce). Nothing is
 * stored until that form is sent. The DID is shown, not a handle: a handle read from the DID document
 * without bidirectional verification could name anyone.
 */
export const confirmationPage = (input: {
  readonly provider: OAuthProvider
  readonly did: string
  readonly action: string
  readonly code: string
  readonly state: string
  readonly csrf: string
}): Response => {
  const name = PROVIDER_NAMES[input.provider]
  const hidden = (field: string, value: string) => `<input type="hidden" name="${field}" value="${escapeHtml(value)}">`
  return html(
    200,
    `Connect ${name}?`,
    `<p>The ${escapeHtml(ACCOUNT_NAMES[input.provider])} you just signed in with will be connected to this Overlap account:</p>` +
      `<p><code>${escapeHtml(input.did)}</code></p>` +
      `<p>Overlap will count its busy time when you are matched and place holds on it for your bookings.</p>` +
      `<p>If this is not your Overlap account, or you did not start this from Overlap, close this window: nothing has been connected.</p>` +
      `<form method="post" action="${escapeHtml(input.action)}">` +
      hidden("code", input.code) + hidden("state", input.state) + hidden("csrf", input.csrf) +
      `<button type="submit">Connect to ${escapeHtml(input.did)}</button></form>`
  )
}

export const connectedPage = (provider: string | null) => {
  const name = provider === "google" || provider === "microsoft" ? PROVIDER_NAMES[provider] : "Your calendar"
  return page(200, `${name} is connected`, "Overlap now counts its busy time when you are matched. You can close this window.")
}
