import { Effect } from "effect"
import { sideOf } from "../../domain/notify/bookingInvitation"
import type { MailLinks } from "../../domain/notify/bookingMail"
import { kindOf } from "../../domain/notify/preferences"
import type { BookingEvent } from "../../domain/notify/task"
import type { ActionLinks } from "../../services/ActionLinks"
import { SendFailed } from "../../services/NotifyChannels"

/**
 * The signed one-click links a message about a booking event carries for its recipient, the same for e-mail and
 * DMs: view always; confirm / decline for the host of a request (held); accept-move / keep-time for the host of
 * a guest's proposal; move / cancel for either person on a meeting that is on; unsubscribe (e-mail only).
 */
export const bookingLinks = (
  links: ActionLinks["Type"],
  event: BookingEvent,
  did: string,
  options: { readonly unsubscribe: boolean }
): Effect.Effect<MailLinks, SendFailed> =>
  Effect.gen(function*() {
    const mint = (action: Parameters<typeof links.mint>[1], claim: Parameters<typeof links.mint>[2]) =>
      links.mint(did, action, claim).pipe(
        Effect.mapError((error) => new SendFailed({ reason: `making a link: ${error.operation} failed`, retryable: true }))
      )
    const side = sideOf(event, did)
    const b = { b: event.bookingId }
    const on = event.type === "booking.confirmed" || event.type === "booking.rescheduled" || event.type === "booking.reminder" ||
      event.type === "booking.reschedule_declined"
    const kind = kindOf(event)
    return {
      view: yield* mint("view", b),
      ...(event.type === "booking.held" && side === "host"
        ? { confirm: yield* mint("confirm", b), decline: yield* mint("decline", b) }
        : {}),
      ...(event.type === "booking.reschedule_proposed" && side === "host"
        ? { acceptMove: yield* mint("accept-move", b), keepTime: yield* mint("keep-time", b) }
        : {}),
      ...(on ? { reschedule: yield* mint("reschedule", b), cancel: yield* mint("cancel", b) } : {}),
      ...(options.unsubscribe && kind !== undefined ? { unsubscribe: yield* mint("unsubscribe", { k: kind }) } : {})
    } satisfies MailLinks
  })
