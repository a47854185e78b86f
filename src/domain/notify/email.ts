import type { InvitationMethod } from "../invitation/invitation"
import { toBase64 } from "./standardWebhooks"

/**
 * The raw RFC 5322 / MIME message of a notification e-mail. The structure is the one calendar apps read as an
 * iMIP invitation (RFC 6047 §2.4; what Google Calendar and Outlook send themselves):
 *
 *   multipart/mixed
 *   ├─ multipart/alternative
 *   │  ├─ text/plain; charset=utf-8                    (the plain-language message with its links)
 *   │  └─ text/calendar; charset=utf-8; method=REQUEST  (the iTIP message itself; its method= matches METHOD)
 *   └─ text/calendar; method=REQUEST; name="invite.ics"  (the same file as an attachment, for clients that
 *                                                        only offer attachments)
 *
 * Every body is base64 in 76-character lines (RFC 2045 §6.8): names and the en dash are not ASCII, and SMTP
 * refuses lines over 998. Boundaries start with "=_", which base64 can never contain, so no body can close a
 * part early. mimetext (used before) cannot put a text/calendar part inside multipart/alternative, which is
 * what makes Gmail and Outlook show the accept buttons; this small writer is checked by postal-mime in the tests.
 */

const CRLF = "\r\n"

/** UTF-8 text as a base64 body in 76-character lines. */
const base64Body = (text: string): string =>
  toBase64(new TextEncoder().encode(text)).replace(/.{76}(?=.)/g, "$&\r\n")

/** A header value: ASCII as it is, anything else as RFC 2047 B encoded-words of at most 75 characters each. */
export const encodeHeaderText = (text: string): string => {
  const clean = text.replace(/[\r\n]+/g, " ")
  if (/^[\x20-\x7e]*$/.test(clean)) return clean
  const words: Array<string> = []
  let chunk = ""
  for (const char of clean) {
    // 45 bytes of UTF-8 → 60 base64 characters, + 12 for "=?utf-8?B?…?=" stays under 75.
    if (new TextEncoder().encode(chunk + char).length > 45) {
      words.push(chunk)
      chunk = ""
    }
    chunk += char
  }
  if (chunk !== "") words.push(chunk)
  return words.map((w) => `=?utf-8?B?${toBase64(new TextEncoder().encode(w))}?=`).join(`${CRLF} `)
}

/** A display name in a mailbox header: quoted when ASCII, an encoded-word otherwise. */
const mailbox = (address: string, name?: string): string => {
  if (name === undefined || name === "") return `<${address}>`
  const encoded = encodeHeaderText(name)
  return encoded === name.replace(/[\r\n]+/g, " ") ? `"${encoded.replace(/["\\]/g, "\\$&")}" <${address}>` : `${encoded} <${address}>`
}

export interface NotificationEmail {
  readonly from: string
  readonly fromName?: string | undefined
  readonly to: string
  readonly subject: string
  readonly text: string
  /** Stable per (notification, recipient): a resend is recognisably the same message. */
  readonly messageId: string
  /** The Date header (when the notification was made: a resend carries the same). */
  readonly date: number
  readonly invitation?: { readonly ics: string; readonly method: InvitationMethod } | undefined
  /**
   * One-click unsubscribe (RFC 8058): an https URL that turns this kind of message off with a POST; sent as
   * `List-Unsubscribe` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
   */
  readonly unsubscribeUrl?: string | undefined
}

const part = (headers: ReadonlyArray<string>, body: string): string => `${headers.join(CRLF)}${CRLF}${CRLF}${body}`

const multipart = (boundary: string, parts: ReadonlyArray<string>): string =>
  `${parts.map((p) => `--${boundary}${CRLF}${p}${CRLF}`).join("")}--${boundary}--`

/** Builds the raw message (see the module comment for its structure). */
export const buildNotificationEmail = (email: NotificationEmail): string => {
  const headers = [
    `From: ${mailbox(email.from, email.fromName)}`,
    `To: <${email.to}>`,
    `Subject: ${encodeHeaderText(email.subject)}`,
    `Date: ${new Date(email.date).toUTCString().replace(/GMT$/, "+0000")}`,
    `Message-ID: ${email.messageId}`,
    "MIME-Version: 1.0",
    // RFC 3834: automatic replies (vacation notices) are not sent back to an automated message.
    "Auto-Submitted: auto-generated",
    ...(email.unsubscribeUrl !== undefined
      ? [`List-Unsubscribe: <${email.unsubscribeUrl}>`, "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
      : [])
  ]
  const textHeaders = ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"]
  const textBody = base64Body(email.text.replace(/\r?\n/g, CRLF))
  if (email.invitation === undefined) return part([...headers, ...textHeaders], textBody) + CRLF
  const text = part(textHeaders, textBody)
  const { ics, method } = email.invitation
  const calendar = part(
    [`Content-Type: text/calendar; charset=utf-8; method=${method}`, "Content-Transfer-Encoding: base64"],
    base64Body(ics)
  )
  const attachment = part(
    [
      `Content-Type: text/calendar; charset=utf-8; method=${method}; name="invite.ics"`,
      "Content-Transfer-Encoding: base64",
      "Content-Disposition: attachment; filename=\"invite.ics\""
    ],
    base64Body(ics)
  )
  const alternative = part(
    ["Content-Type: multipart/alternative; boundary=\"=_overlap_alt\""],
    multipart("=_overlap_alt", [text, calendar])
  )
  return part(
    [...headers, "Content-Type: multipart/mixed; boundary=\"=_overlap_mixed\""],
    multipart("=_overlap_mixed", [alternative, attachment])
  ) + CRLF
}

/** `<…@overlap.app>` from a notification id and recipient, using only characters a msg-id allows. */
export const messageIdFor = (notificationId: string, to: string): string =>
  `<${toBase64(new TextEncoder().encode(`${notificationId}|${to}`)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}@overlap.app>`
