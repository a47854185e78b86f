import { createMimeMessage } from "mimetext/browser"
import type { InvitationMethod } from "../invitation/invitation"
import { toBase64 } from "./standardWebhooks"

/** UTF-8 text as a base64 body in 76-character lines (RFC 2045 §6.8; SMTP refuses lines over 998). */
const base64Body = (text: string): string =>
  toBase64(new TextEncoder().encode(text)).replace(/.{76}(?=.)/g, "$&\r\n")

export interface InvitationEmail {
  readonly from: string
  readonly fromName?: string | undefined
  readonly to: string
  readonly subject: string
  readonly text: string
  /** Stable per (notification, recipient): a resend is recognisably the same message. */
  readonly messageId: string
  readonly invitation?: { readonly ics: string; readonly method: InvitationMethod } | undefined
}

/**
 * The raw RFC 5322 message, built with mimetext (its browser build: CRLF line ends, no Node built-ins, so it
 * runs in workerd). The invitation goes as an `invite.ics` attachment typed
 * `text/calendar; charset=utf-8; method=REQUEST|CANCEL` (RFC 6047 §2.4), which mail clients offer to add
 * to or update in the calendar.
 */
export const buildInvitationEmail = (email: InvitationEmail): string => {
  const message = createMimeMessage()
  message.setSender(email.fromName !== undefined ? { name: email.fromName, addr: email.from } : { addr: email.from })
  message.setRecipient(email.to)
  message.setSubject(email.subject)
  message.setHeader("Message-ID", email.messageId)
  // base64: the text may hold non-ASCII (names, the en dash) and bare newlines, which 7bit cannot carry.
  message.addMessage({
    contentType: "text/plain",
    charset: "utf-8",
    encoding: "base64",
    data: base64Body(email.text.replace(/\r?\n/g, "\r\n"))
  })
  if (email.invitation !== undefined) {
    message.addAttachment({
      filename: "invite.ics",
      contentType: `text/calendar; charset=utf-8; method=${email.invitation.method}`,
      data: base64Body(email.invitation.ics)
    })
  }
  return message.asRaw()
}

/** `<…@overlap.app>` from a notification id and recipient, using only characters a msg-id allows. */
export const messageIdFor = (notificationId: string, to: string): string =>
  `<${toBase64(new TextEncoder().encode(`${notificationId}|${to}`)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}@overlap.app>`
