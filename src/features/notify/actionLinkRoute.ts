import { Effect } from "effect"
import { bookingPage, type LinkAction } from "../../domain/notify/actionLink"
import { DEFAULT_PREFERENCES, withoutKind } from "../../domain/notify/preferences"
import { ActionLinks, type OpenedLink } from "../../services/ActionLinks"
import { BookingLifecycle } from "../../services/BookingLifecycle"
import { NotifySettings } from "../../services/NotifySettings"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/**
 * The one-click links of messages, `/act/<action>?did=…&t=…` (domain/notify/actionLink.ts), on the AppView:
 *
 * - `verify-email` (GET): marks the address verified if it is still the one the link was made for; once.
 * - `view`, `reschedule` (GET): used once, then 303 to the meeting's page in the web app.
 * - `confirm`, `decline`, `cancel`, `accept-move`, `keep-time` (a guest's proposed new time): GET shows what the link will do and a button; the POST from that page uses
 *   the link (once) and performs the action as the link's person, through BookingLifecycle. Mail scanners that
 *   fetch every link (GET) therefore never act.
 * - `unsubscribe`: GET shows a button; POST (the page's, or a mail client's RFC 8058 one-click POST) turns that
 *   kind of e-mail off. Idempotent rather than single-use: clients may POST it more than once.
 *
 * Every answer is a small HTML page (no script, no-store); a bad, expired or used link says so (400 / 410).
 */

export const isActionLinkRoute = (pathname: string): boolean => pathname.startsWith("/act/")

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c]!)

const page = (status: number, title: string, body: string) =>
  new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
      `<title>${escape(title)} · Overlap</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`,
    {
      status,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
        "content-security-policy": "default-src 'none'; form-action 'self'"
      }
    }
  )

const ask: Partial<Record<LinkAction, string>> = {
  confirm: "Confirm this meeting?",
  decline: "Decline this meeting request?",
  cancel: "Cancel this meeting?",
  "accept-move": "Move this meeting to the proposed time?",
  "keep-time": "Keep this meeting at its current time?",
  unsubscribe: "Stop these e-mails?"
}

const buttonLabel = {
  confirm: "Confirm",
  decline: "Decline",
  cancel: "Cancel",
  "accept-move": "Move it",
  "keep-time": "Keep the time"
} as const

const button = (url: URL, label: string) =>
  `<form method="post" action="${escape(url.pathname + url.search)}"><button type="submit">${escape(label)}</button></form>`

const refused = (error: { readonly _tag: string }) =>
  error._tag === "LinkExpired"
    ? page(410, "This link has expired", "<p>Open the meeting in Overlap instead.</p>")
    : error._tag === "LinkUsed"
    ? page(410, "This link was already used", "<p>Each link works once. Open the meeting in Overlap to see where it stands.</p>")
    : page(400, "This link does not work", "<p>It may have been copied incompletely.</p>")

const perform = (opened: OpenedLink) =>
  Effect.gen(function*() {
    const lifecycle = yield* BookingLifecycle
    const command = { bookingId: opened.claim.b ?? "", callerDid: opened.did }
    const run = opened.action === "confirm"
      ? lifecycle.finalize(command)
      : opened.action === "decline"
      ? lifecycle.decline(command)
      : opened.action === "accept-move"
      ? lifecycle.confirmReschedule(command)
      : opened.action === "keep-time"
      ? lifecycle.declineReschedule(command)
      : lifecycle.cancel(command)
    return yield* run.pipe(
      Effect.map((booking) => page(200, "Done", `<p>The meeting is now ${escape(booking.status)}.</p>`)),
      Effect.catchAll((error) =>
        Effect.succeed(page(409, "That did not work", `<p>${escape("message" in error && typeof error.message === "string" ? error.message : error._tag)}</p>`)))
    )
  })

export const handleActionLink = (request: Request) =>
  Effect.gen(function*() {
    const url = new URL(request.url)
    const links = yield* ActionLinks
    const settings = yield* NotifySettings
    const { PUBLIC_URL } = yield* CloudflareEnv
    const origin = PUBLIC_URL || url.origin
    const action = url.pathname.slice("/act/".length) as LinkAction
    const post = request.method === "POST"
    if (request.method !== "GET" && !post) return page(405, "Not allowed", "")

    if (action === "unsubscribe") {
      const opened = yield* links.check(url)
      if (!post) return page(200, ask.unsubscribe!, button(url, "Stop them"))
      const mine = yield* settings.get(opened.did)
      const kind = opened.claim.k
      const next = kind === undefined
        ? { ...mine.preferences, email: { ...mine.preferences.email, enabled: false } }
        : withoutKind(mine.preferences ?? DEFAULT_PREFERENCES, "email", kind)
      yield* settings.putPreferences(opened.did, next)
      return page(200, "Unsubscribed", `<p>You will not get these e-mails any more. Change it any time in Overlap's settings.</p>`)
    }
    if (action === "confirm" || action === "decline" || action === "cancel" || action === "accept-move" || action === "keep-time") {
      if (!post) {
        yield* links.check(url)
        return page(200, ask[action]!, button(url, buttonLabel[action]))
      }
      return yield* perform(yield* links.use(url))
    }
    const opened = yield* links.use(url)
    if (opened.action === "verify-email") {
      const verified = opened.claim.a !== undefined && (yield* settings.verifyEmail(opened.did, opened.claim.a))
      return verified
        ? page(200, "Your e-mail address is verified", "<p>Overlap will send your meeting invitations and updates there.</p>")
        : page(410, "This address was changed or removed", "<p>Enter it again in Overlap's settings to get a new link.</p>")
    }
    if (opened.claim.b === undefined) return page(400, "This link does not work", "")
    return new Response(null, {
      status: 303,
      headers: { location: bookingPage(origin, opened.claim.b, opened.action === "reschedule" ? "reschedule" : undefined), "cache-control": "no-store" }
    })
  }).pipe(
    Effect.catchTags({
      LinkInvalid: (e) => Effect.succeed(refused(e)),
      LinkExpired: (e) => Effect.succeed(refused(e)),
      LinkUsed: (e) => Effect.succeed(refused(e)),
      RepositoryError: () => Effect.succeed(page(503, "Try again in a moment", "<p>Overlap could not read its records just now.</p>"))
    })
  )
