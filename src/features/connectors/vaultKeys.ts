import { Effect, Option } from "effect"
import { bookingNoteBinding } from "../../services/BookingNotes"
import { type BookingNoteSealedValue, BookingNoteSealedValues } from "../../services/BookingNoteSealedValues"
import { type Connector, ConnectorsRepo, type ConnectorStatus } from "../../services/ConnectorsRepo"
import { deadLetterBinding, type DeadLetterSealedValue, DeadLetterSealedValues } from "../../services/DeadLetterSealedValues"
import { type NotifySealedKind, type NotifySealedValue, NotifySealedValues, notifySettingBinding } from "../../services/NotifySealedValues"
import type { RepositoryError } from "../../services/RepositoryError"
import { keyRetiredReason, TokenVault, type VaultKeyError } from "../../services/TokenVault"
import { webhookSecretBinding } from "../../services/WebhookSubscriptions"
import { type WebhookSubscription, WebhookSubscriptionsRepo } from "../../services/WebhookSubscriptionsRepo"

/**
 * Every value sealed with the TokenVault in D1, whatever the state of its row: connector credentials (active,
 * pending, broken), webhook signing secrets (enabled or disabled), people's notification settings (e-mail
 * address, preferences), recorded dead letters (body and last error) and guests' notes to hosts — `SEALED_COLUMNS`
 * lists the columns.
 * Two operations over them:
 *
 * - `rotateVaultKeys`: re-wraps each one still sealed under an old key under the current key (the refresh-oauth
 *   cron runs it; batched, idempotent, resumable: every run starts again from what is still under an old key).
 *   A value whose key is no longer in the ring is given a clear state instead: the connector is marked broken and
 *   the webhook subscription disabled, both with the reason "key retired: …", a notification setting forgotten
 *   (the address must be entered again; preferences go back to the defaults); a dead letter is left (reported as
 *   retired: the console can still drop it, the 14-day retention removes it); a booking note is deleted (the booking
 *   stays).
 * - `keysInUse`: what each key seals, per kind and state — the check before removing a key from TOKEN_VAULT_KEYS
 *   (`GET /operator/vault-keys`, `node scripts/vaultKeys.mjs`).
 */

/**
 * Every D1 column holding TokenVault ciphertext, per table, and the kind of this job that walks it. A column sealed
 * anywhere but not listed here would never be re-wrapped (test/repositories/sealedColumns.test.ts checks the
 * migrations against it).
 */
export const SEALED_COLUMNS = {
  connectors: { columns: ["token_ciphertext"], kind: "connectors" },
  webhook_subscriptions: { columns: ["secret_ciphertext"], kind: "webhookSecrets" },
  notify_settings: { columns: ["email_ciphertext", "preferences_ciphertext"], kind: "notifySettings" },
  dead_letters: { columns: ["body_ciphertext", "error_ciphertext"], kind: "deadLetters" },
  booking_notes: { columns: ["note_ciphertext"], kind: "bookingNotes" }
} as const satisfies Record<string, { readonly columns: ReadonlyArray<string>; readonly kind: keyof RotationReport["rotated"] }>

/** Sealed values re-wrapped per kind per run of the rotation job (the rest wait for the next run, 10 minutes later). */
export const VAULT_ROTATION_MAX_PER_RUN = 500
const PAGE = 100
const SCAN_FACTOR = 10

export interface RotationReport {
  readonly currentKeyId: string
  readonly rotated: { connectors: number; webhookSecrets: number; notifySettings: number; deadLetters: number; bookingNotes: number }
  /** Values whose key is no longer configured: given the "key retired" state (notification settings: forgotten; dead letters: left). */
  readonly retired: { connectors: Array<string>; webhookSecrets: Array<string>; notifySettings: Array<string>; deadLetters: Array<string>; bookingNotes: Array<string> }
  /** Values that did not rotate (they do not open for their row, or the write failed): still under their old key. */
  readonly failed: { connectors: Array<string>; webhookSecrets: Array<string>; notifySettings: Array<string>; deadLetters: Array<string>; bookingNotes: Array<string> }
  /** True when the run stopped at its limit with more left for the next run. */
  readonly more: boolean
}

/** Where the sealed values live: every store the job walks. */
export type VaultKeyStores =
  | TokenVault
  | ConnectorsRepo
  | WebhookSubscriptionsRepo
  | NotifySealedValues
  | DeadLetterSealedValues
  | BookingNoteSealedValues

/** One pass of the key-rotation job over every sealed value not under the current key. */
export const rotateVaultKeys = (
  maxPerRun: number = VAULT_ROTATION_MAX_PER_RUN
): Effect.Effect<RotationReport, VaultKeyError | RepositoryError, VaultKeyStores> =>
  Effect.gen(function*() {
    const vault = yield* TokenVault
    const connectors = yield* ConnectorsRepo
    const webhooks = yield* WebhookSubscriptionsRepo
    const notifyValues = yield* NotifySealedValues
    const deadLetters = yield* DeadLetterSealedValues
    const bookingNotes = yield* BookingNoteSealedValues
    const currentKeyId = yield* vault.currentKeyId
    const configured = new Set(yield* vault.keyIds)
    const report: RotationReport = {
      currentKeyId,
      rotated: { connectors: 0, webhookSecrets: 0, notifySettings: 0, deadLetters: 0, bookingNotes: 0 },
      retired: { connectors: [], webhookSecrets: [], notifySettings: [], deadLetters: [], bookingNotes: [] },
      failed: { connectors: [], webhookSecrets: [], notifySettings: [], deadLetters: [], bookingNotes: [] },
      more: false
    }

    /**
     * Walks one kind's rows not under the current key in id order: at most `maxPerRun` of them acted on (re-wrapped
     * or given the retired state), at most SCAN_FACTOR times that many read, so rows that cannot rotate never stall
     * the ones after them for long.
     */
    const walk = <R extends { readonly id: string }>(
      list: (limit: number, afterId?: string) => Effect.Effect<ReadonlyArray<R>, RepositoryError>,
      each: (row: R) => Effect.Effect<boolean, RepositoryError>
    ) =>
      Effect.gen(function*() {
        let after: string | undefined
        let acted = 0
        let read = 0
        while (acted < maxPerRun && read < maxPerRun * SCAN_FACTOR) {
          const page = yield* list(PAGE, after)
          if (page.length === 0) return
          for (const row of page) {
            read++
            after = row.id
            if (yield* each(row)) acted++
            if (acted >= maxPerRun) break
          }
          // The whole last page was read: nothing after it.
          if (page.length < PAGE && after === page[page.length - 1]!.id) return
        }
        if ((yield* list(1, after)).length > 0) (report as { more: boolean }).more = true
      })

    /** True when it acted (re-wrapped, or newly gave the retired state). */
    const rotateConnector = (row: Connector) =>
      Effect.gen(function*() {
        const ciphertext = row.tokenCiphertext!
        if (!configured.has(row.keyId!)) {
          report.retired.connectors.push(row.id)
          const warning = `${keyRetiredReason(row.keyId!, "this connector's credential")}; connect the calendar again`
          if (row.status === "broken" && row.warning === warning) return false
          yield* connectors.setStatus(row.id, "broken", ["active", "pending"])
          yield* connectors.setWarning(row.id, warning)
          yield* Effect.logError("vault: a connector's key is retired", { connectorId: row.id, keyId: row.keyId })
          return true
        }
        const rotated = yield* vault.rotate(ciphertext, { did: row.did, provider: row.provider, connectorId: row.id }).pipe(
          Effect.catchAll((error) =>
            Effect.as(Effect.logWarning("vault: a connector credential did not rotate", { connectorId: row.id, error: error._tag }), Option.none()))
        )
        if (Option.isNone(rotated)) {
          report.failed.connectors.push(row.id)
          return false
        }
        // Compare-and-set: the user's connector object may have sealed a refreshed token meanwhile (under the current key).
        if (yield* connectors.replaceSealed(row.id, ciphertext, rotated.value)) report.rotated.connectors++
        return true
      })

    const rotateSecret = (row: WebhookSubscription) =>
      Effect.gen(function*() {
        if (!configured.has(row.keyId)) {
          report.retired.webhookSecrets.push(row.id)
          if (row.disabledAt !== null) return false
          yield* webhooks.disable(row.id, keyRetiredReason(row.keyId, "this subscription's signing secret"))
          yield* Effect.logError("vault: a webhook secret's key is retired", { subscriptionId: row.id, keyId: row.keyId })
          return true
        }
        const rotated = yield* vault.rotate(row.secretCiphertext, webhookSecretBinding(row)).pipe(
          Effect.catchAll((error) =>
            Effect.as(Effect.logWarning("vault: a webhook secret did not rotate", { subscriptionId: row.id, error: error._tag }), Option.none()))
        )
        if (Option.isNone(rotated)) {
          report.failed.webhookSecrets.push(row.id)
          return false
        }
        if (yield* webhooks.replaceSealed(row.id, row.secretCiphertext, rotated.value)) report.rotated.webhookSecrets++
        return true
      })

    const rotateNotifySetting = (value: NotifySealedValue) =>
      Effect.gen(function*() {
        if (!configured.has(value.keyId)) {
          report.retired.notifySettings.push(value.id)
          // the value cannot be opened any more: forget it rather than keep something nobody can read
          if (yield* notifyValues.forget(value)) {
            yield* Effect.logError("vault: a notification setting's key is retired; the setting is forgotten", { did: value.did, what: value.what, keyId: value.keyId })
          }
          return true
        }
        const rotated = yield* vault.rotate(value.ciphertext, notifySettingBinding(value.did, value.what)).pipe(
          Effect.catchAll((error) =>
            Effect.as(Effect.logWarning("vault: a notification setting did not rotate", { did: value.did, what: value.what, error: error._tag }), Option.none()))
        )
        if (Option.isNone(rotated)) {
          report.failed.notifySettings.push(value.id)
          return false
        }
        if (yield* notifyValues.replaceSealed(value, rotated.value)) report.rotated.notifySettings++
        return true
      })

    // a dead letter: body and last error re-wrapped together (one key_id column); a retired key leaves it as it is
    const rotateDeadLetter = (value: DeadLetterSealedValue) =>
      Effect.gen(function*() {
        if (!configured.has(value.keyId)) {
          report.retired.deadLetters.push(value.id)
          return false
        }
        const rewrap = (ciphertext: string, what: "body" | "error") =>
          vault.rotate(ciphertext, deadLetterBinding(value.id, what)).pipe(
            Effect.catchAll((error) =>
              Effect.as(Effect.logWarning("vault: a dead letter did not rotate", { id: value.id, what, error: error._tag }), Option.none()))
          )
        const body = yield* rewrap(value.bodyCiphertext, "body")
        const error = value.errorCiphertext === null ? Option.some(null) : yield* rewrap(value.errorCiphertext, "error")
        if (Option.isNone(body) || Option.isNone(error)) {
          report.failed.deadLetters.push(value.id)
          return false
        }
        // compare-and-set: replayed, dropped or expired meanwhile is not an error
        if (yield* deadLetters.replaceSealed(value, body.value, error.value)) report.rotated.deadLetters++
        return true
      })

    // a guest's note: re-wrapped; its key retired, nobody can read it any more and it is deleted (the booking stays)
    const rotateBookingNote = (value: BookingNoteSealedValue) =>
      Effect.gen(function*() {
        if (!configured.has(value.keyId)) {
          report.retired.bookingNotes.push(value.id)
          if (yield* bookingNotes.forget(value)) yield* Effect.logError("vault: a booking note's key is retired; the note is deleted", { bookingId: value.id, keyId: value.keyId })
          return true
        }
        const rotated = yield* vault.rotate(value.ciphertext, bookingNoteBinding(value.guestDid, value.id)).pipe(
          Effect.catchAll((error) => Effect.as(Effect.logWarning("vault: a booking note did not rotate", { bookingId: value.id, error: error._tag }), Option.none()))
        )
        if (Option.isNone(rotated)) {
          report.failed.bookingNotes.push(value.id)
          return false
        }
        if (yield* bookingNotes.replaceSealed(value, rotated.value)) report.rotated.bookingNotes++
        return true
      })

    yield* walk((limit, after) => connectors.listSealedNotUnder(currentKeyId, limit, after), rotateConnector)
    yield* walk((limit, after) => webhooks.listSealedNotUnder(currentKeyId, limit, after), rotateSecret)
    yield* walk((limit, after) => notifyValues.listSealedNotUnder(currentKeyId, limit, after), rotateNotifySetting)
    yield* walk((limit, after) => deadLetters.listSealedNotUnder(currentKeyId, limit, after), rotateDeadLetter)
    yield* walk((limit, after) => bookingNotes.listSealedNotUnder(currentKeyId, limit, after), rotateBookingNote)
    const { rotated, retired } = report
    if (Object.values(rotated).some((n) => n > 0) || Object.values(retired).some((ids) => ids.length > 0)) {
      yield* Effect.logInfo("vault key rotation", report)
    }
    return report
  })

/** What one vault key seals. */
export interface KeyUse {
  readonly keyId: string
  /** In TOKEN_VAULT_KEYS: false means the values below no longer open ("key retired"). */
  readonly configured: boolean
  readonly current: boolean
  /** Connector credentials per connector status. */
  readonly connectors: Partial<Record<ConnectorStatus, number>>
  /** Webhook signing secrets, enabled and disabled subscriptions. */
  readonly webhookSecrets: Partial<Record<"enabled" | "disabled", number>>
  /** People's sealed notification settings: e-mail addresses and preference sets. */
  readonly notifySettings: Partial<Record<NotifySealedKind, number>>
  /** Recorded dead letters (body and last error sealed together). */
  readonly deadLetters: Partial<Record<"recorded", number>>
  /** Guests' notes to hosts, kept with their bookings. */
  readonly bookingNotes: Partial<Record<"kept", number>>
  readonly total: number
}

export interface KeysInUse {
  readonly currentKeyId: string
  /** Every configured key and every key some value names, current first. */
  readonly keys: ReadonlyArray<KeyUse>
  /** Configured, not current, sealing nothing: may be removed from TOKEN_VAULT_KEYS. */
  readonly removable: ReadonlyArray<string>
  /** Named by sealed values but not configured: those values cannot be opened. */
  readonly missing: ReadonlyArray<string>
}

/** The operator's check: per key id, what it seals (counts per kind and state); which keys may be removed. */
export const keysInUse: Effect.Effect<KeysInUse, VaultKeyError | RepositoryError, VaultKeyStores> =
  Effect.gen(function*() {
    const vault = yield* TokenVault
    const currentKeyId = yield* vault.currentKeyId
    const configured = new Set(yield* vault.keyIds)
    // what each store seals, per key id and state (read at once: five independent counts)
    const counts = yield* Effect.all({
      connectors: Effect.flatMap(ConnectorsRepo, (repo) => repo.countByKeyId),
      webhookSecrets: Effect.flatMap(WebhookSubscriptionsRepo, (repo) => repo.countByKeyId),
      notifySettings: Effect.flatMap(NotifySealedValues, (store) => store.countByKeyId),
      deadLetters: Effect.flatMap(DeadLetterSealedValues, (store) => store.countByKeyId),
      bookingNotes: Effect.flatMap(BookingNoteSealedValues, (store) => store.countByKeyId)
    }, { concurrency: "unbounded" })
    type Use = Omit<KeyUse, "keyId" | "configured" | "current"> & { total: number }
    const uses = new Map<string, { -readonly [K in keyof Use]: Use[K] }>()
    const useOf = (keyId: string) => {
      const found = uses.get(keyId) ?? { connectors: {}, webhookSecrets: {}, notifySettings: {}, deadLetters: {}, bookingNotes: {}, total: 0 }
      uses.set(keyId, found)
      return found
    }
    for (const keyId of configured) useOf(keyId)
    for (const kind of Object.keys(counts) as Array<keyof typeof counts>) {
      for (const c of counts[kind]) {
        const use = useOf(c.keyId)
        const perStatus = use[kind] as Partial<Record<string, number>>
        perStatus[c.status] = (perStatus[c.status] ?? 0) + c.count
        use.total += c.count
      }
    }
    const keys = [...uses.entries()]
      .map(([keyId, use]): KeyUse => ({ keyId, configured: configured.has(keyId), current: keyId === currentKeyId, ...use }))
      .sort((a, b) => Number(b.current) - Number(a.current) || (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0))
    return {
      currentKeyId,
      keys,
      removable: keys.filter((k) => k.configured && !k.current && k.total === 0).map((k) => k.keyId),
      missing: keys.filter((k) => !k.configured && k.total > 0).map((k) => k.keyId)
    }
  })

/** What still uses `keyId` (empty when it may be removed), one line per kind and state, for the removal check. */
export const usesOfKey = (report: KeysInUse, keyId: string): ReadonlyArray<string> => {
  const use = report.keys.find((k) => k.keyId === keyId)
  if (use === undefined) return []
  return [
    ...(use.current ? ["it is the current key (point `current` at another key first)"] : []),
    ...Object.entries(use.connectors).map(([status, n]) => `${n} ${status} connector credential(s)`),
    ...Object.entries(use.webhookSecrets).map(([status, n]) => `${n} ${status} webhook signing secret(s)`),
    ...Object.entries(use.notifySettings).map(([what, n]) => `${n} notification ${what === "email" ? "e-mail address(es)" : "preference set(s)"}`),
    ...Object.values(use.deadLetters).map((n) => `${n} recorded dead letter(s)`),
    ...Object.values(use.bookingNotes).map((n) => `${n} booking note(s)`)
  ]
}
