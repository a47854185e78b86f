// The notifications part of the booking journey (scripts/journey.mjs; docs/notifications.md): both people enter
// an e-mail address and verify it with the link mailed to them, one of them turns Bluesky DMs on; then every step
// of the meeting is looked for where a person would see it — the e-mails the notify worker sent (the dev printer's
// GET /emails on the webhook receiver, read with postal-mime) and the DMs at the local chat stand-in
// (GET /messages) — and the reminder cron is run at a chosen instant through wrangler dev's
// /cdn-cgi/handler/scheduled. Every check throws when what it expects does not arrive.
import PostalMime from "postal-mime"
import { expectStatus, waitFor, xrpc } from "./overlapClient.mjs"

export const NOTICE_KINDS = ["held", "confirmed", "declined", "canceled", "rescheduled", "expired", "reminder", "connector"]
const MAIL_WAIT = { timeoutMs: 60_000, intervalMs: 1_000 }

const text = (content) => typeof content === "string" ? content : new TextDecoder().decode(content)
/** RFC 5545 §3.1: a line break followed by one space or tab continues the line. */
const unfold = (ics) => ics.replace(/\r?\n[ \t]/g, "")

/** Every e-mail the dev system sent so far, parsed: { to, subject, text, calendar?: { method, ics } }. */
export const mailsOn = async (receiverUrl) => {
  const response = await fetch(`${receiverUrl}/emails`)
  if (!response.ok) throw new Error(`GET ${receiverUrl}/emails answered ${response.status} (the dev printer keeps sent e-mails there)`)
  const raw = await response.json()
  return Promise.all(raw.map(async ({ eml }) => {
    const parsed = await PostalMime.parse(eml)
    const invite = parsed.attachments.find((a) => a.filename === "invite.ics") ?? parsed.attachments.find((a) => a.mimeType === "text/calendar")
    return {
      to: parsed.to?.map((a) => a.address) ?? [],
      subject: parsed.subject ?? "",
      text: parsed.text ?? "",
      headers: Object.fromEntries(parsed.headers.map((h) => [h.key, h.value])),
      calendar: invite === undefined ? undefined : { method: invite.method, ics: text(invite.content) },
      eml
    }
  }))
}

/** The DMs the local chat stand-in received: { sender, recipients, text, sentAt }. */
export const dmsOn = async (chatUrl) => {
  const response = await fetch(`${chatUrl}/messages`)
  if (!response.ok) throw new Error(`GET ${chatUrl}/messages answered ${response.status}`)
  return (await response.json()).messages
}

/** Waits for the one e-mail to `address` that `pick` accepts; `what` names it in the error. */
export const awaitMail = (receiverUrl, address, what, pick) =>
  waitFor(`${what} (e-mail to ${address})`, async () =>
    (await mailsOn(receiverUrl)).find((mail) => mail.to.includes(address) && pick(mail)), MAIL_WAIT)

/** An address of the account's own on a reserved domain (RFC 2606), unique per account. */
export const addressOf = (account) => `${account.handle.split(".")[0]}@example.test`

/**
 * Gives `account` a verified address: app.overlap.notify.putEmail, the verification mail, its one-click link
 * (GET, as a mail client opens it), then getSettings says verified. With `dm`, also turns Bluesky DMs on.
 */
export const enrollForNotices = async ({ appviewUrl, receiverUrl, account, dm = false }) => {
  const address = addressOf(account)
  expectStatus(await xrpc(appviewUrl, account, "app.overlap.notify.putEmail", { body: { email: address } }), 200, "notify.putEmail")
  const verification = await awaitMail(receiverUrl, address, "the address verification", (mail) => /\/act\/verify-email\?/.test(mail.text))
  const link = /(https?:\/\/\S+\/act\/verify-email\?\S+)/.exec(verification.text)[1]
  const opened = await fetch(link, { redirect: "manual" })
  if (opened.status >= 400) throw new Error(`the verification link answered ${opened.status}`)
  const settings = expectStatus(await xrpc(appviewUrl, account, "app.overlap.notify.getSettings", { method: "GET" }), 200, "notify.getSettings")
  if (settings.email?.verified !== true) throw new Error(`the address is not verified after its link: ${JSON.stringify(settings.email)}`)
  if (dm) {
    const preferences = { ...settings.preferences, dm: { enabled: true, kinds: NOTICE_KINDS } }
    expectStatus(await xrpc(appviewUrl, account, "app.overlap.notify.putPreferences", { body: preferences }), 200, "notify.putPreferences (DMs on)")
  }
  return address
}

/**
 * The invitation mail of one step for one person: its calendar part has `method` and SEQUENCE `sequence` and names
 * the booking; ORGANIZER and ATTENDEE are the two verified `mailto:` addresses. Returns the mail.
 */
export const awaitInvitation = async ({ receiverUrl, address, bookingId, method, sequence, host, guest, what }) => {
  const mail = await awaitMail(receiverUrl, address, what, (m) => {
    const ics = m.calendar && unfold(m.calendar.ics)
    return ics !== undefined && m.calendar.method === method && new RegExp(`^SEQUENCE:${sequence}\\r?$`, "m").test(ics) && ics.includes(bookingId)
  })
  const ics = unfold(mail.calendar.ics)
  if (!new RegExp(`^METHOD:${method}\\r?$`, "m").test(ics)) throw new Error(`${what}: the invitation has no METHOD:${method}`)
  if (!new RegExp(`^ORGANIZER;[^\\r\\n]*:mailto:${host.replace(/[.+]/g, "\\$&")}\\r?$`, "mi").test(ics)) throw new Error(`${what}: ORGANIZER is not mailto:${host}`)
  if (!new RegExp(`^ATTENDEE;[^\\r\\n]*:mailto:${guest.replace(/[.+]/g, "\\$&")}\\r?$`, "mi").test(ics)) throw new Error(`${what}: ATTENDEE is not mailto:${guest}`)
  return mail
}

/** Waits for a DM to `recipientDid` whose text `pick` accepts. */
export const awaitDm = (chatUrl, recipientDid, what, pick) =>
  waitFor(`${what} (DM to ${recipientDid})`, async () =>
    (await dmsOn(chatUrl)).find((m) => m.recipients.includes(recipientDid) && pick(m.text)), MAIL_WAIT)

/**
 * Runs the AppView's minute cron (expire-holds, reminders, transitions) as if it fired at `at` (ms): wrangler dev
 * serves /cdn-cgi/handler/scheduled on its own port (the AppView is its first config) and sets the handler's
 * scheduledTime from `time`, which the reminder sweep takes as now.
 */
export const runMinuteCron = async (wranglerUrl, at) => {
  const url = `${wranglerUrl}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("* * * * *")}&time=${Math.round(at)}`
  const response = await fetch(url)
  const body = await response.text()
  if (response.status !== 200) throw new Error(`the minute cron at ${new Date(at).toISOString()}: ${response.status} ${body.slice(0, 200)}`)
}
