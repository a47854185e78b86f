import { Clock, Effect, Schema } from "effect"
import { EXPORT_LINK_TTL_MS, type ExportFile, exportIdOf, signExportLink } from "../../domain/account/exportLink"
import { ExportedMeeting, meetingsCalendar } from "../../domain/account/meetingsCalendar"
import type { UserRef } from "../../domain/account/userDataPlan"
import { BookingNotes } from "../../services/BookingNotes"
import { ExportStore } from "../../services/ExportStore"
import { NotifySettings } from "../../services/NotifySettings"
import { UserDataStore } from "../../services/UserDataStore"
import { exportLinkSecret } from "./exportSecret"
import { notificationsSection } from "./notificationsSection"

/** The path a download link points at (served by `handleExportDownload`). */
export const EXPORT_PATH = "/account/export"

export interface CreatedExport {
  readonly exportId: string
  readonly expiresAt: number
  /** Path and query of each file's download link, relative to the AppView's origin. */
  readonly links: Readonly<Record<ExportFile, string>>
}

/**
 * Builds a person's export: every registered D1 row naming them (src/domain/account/userData.ts — bookings,
 * settings, host rules, event types, connectors with provider and calendars, offers, requests, webhooks, audit
 * events; never a sealed column), their notification settings opened through the TokenVault (notificationsSection)
 * and the notes they wrote to hosts, opened (`bookingNotes`: booking id, text or "unreadable", when),
 * as `bundle.json`, and their meetings as `meetings.ics`, stored in R2 under
 * `exports/<did>/<exportId>/`, each downloadable once through a signed link valid for 24 hours.
 */
export const createExport = (user: UserRef) =>
  Effect.gen(function*() {
    const secret = yield* exportLinkSecret
    const now = yield* Clock.currentTimeMillis
    const sections = yield* (yield* UserDataStore).exportRows(user)
    const notifications = notificationsSection(yield* (yield* NotifySettings).getForExport(user.did))
    const bookingNotes = (yield* (yield* BookingNotes).writtenBy(user.did)).map((n) => ({ bookingId: n.bookingId, note: n.note, createdAt: new Date(n.createdAt).toISOString() }))
    const exportId = exportIdOf(now)
    const expiresAt = now + EXPORT_LINK_TTL_MS
    const bundle = { format: "overlap-export/1", did: user.did, exportedAt: new Date(now).toISOString(), ...sections, notifications, bookingNotes }
    // the bookings section is our own query over a STRICT table: a row that does not decode is a defect
    const meetings = yield* Schema.decodeUnknown(Schema.Array(ExportedMeeting))(sections.bookings ?? []).pipe(Effect.orDie)
    const store = yield* ExportStore
    yield* store.put(user.did, exportId, "bundle.json", { body: JSON.stringify(bundle, null, 2), contentType: "application/json; charset=utf-8" })
    yield* store.put(user.did, exportId, "meetings.ics", { body: meetingsCalendar(meetings, now), contentType: "text/calendar; charset=utf-8" })
    const link = (file: ExportFile) =>
      Effect.promise(() => signExportLink(secret, { did: user.did, exportId, file, expiresAt })).pipe(
        Effect.map((query) => `${EXPORT_PATH}/${exportId}/${file}?${query}`)
      )
    return { exportId, expiresAt, links: { "bundle.json": yield* link("bundle.json"), "meetings.ics": yield* link("meetings.ics") } } satisfies CreatedExport
  })
