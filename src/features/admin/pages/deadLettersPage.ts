import { Either } from "effect"
import { maskAddresses, showBody } from "../../../domain/queues/deadLetter"
import type { DeadLetterBacklog, DeadLetterRow, OpenedDeadLetter } from "../../../services/DeadLetterRecords"
import type { Answer } from "../metricsData"
import { type Html, html, table } from "./html"

const iso = (ms: number) => new Date(ms).toISOString()
const age = (now: number, ms: number) => `${Math.max(0, Math.round((now - ms) / 1000))} s`

/** A POST button for one record (same-origin only: the route checks Origin / Sec-Fetch-Site). */
const action = (id: string, what: "replay" | "drop", label: string): Html =>
  html`<form method="post" action="/admin/dead-letters" style="display:inline"><input type="hidden" name="id" value="${id}"><input type="hidden" name="action" value="${what}"><button type="submit" aria-label="${label} ${id}">${label}</button></form>`

/** The queues consumed in the last hour, from the queue_age points every consumer writes per batch. */
const consumedQueues = (consumed: Answer): Html =>
  Either.match(consumed, {
    onLeft: (reason) => html`<p class="bad" role="alert">Queues consumed: metrics unavailable (${reason})</p>`,
    onRight: (result) =>
      table("Queues consumed in the last hour", ["queue", "oldest message a batch had", "messages consumed"], result.data.map((row) => [
        row.label,
        `${Math.round(Number(row.max_oldest_s ?? 0))} s`,
        Math.round(Number(row.messages ?? 0))
      ]), "no batches consumed")
  })

/** The dead-letter record: backlog per DLQ and per live queue, then every record (newest first) with inspect / replay / drop. */
export const deadLettersBody = (now: number, backlog: ReadonlyArray<DeadLetterBacklog>, rows: ReadonlyArray<DeadLetterRow>, consumed: Answer, notice?: string): Html => html`
${notice !== undefined ? html`<p role="status">${notice}</p>` : ""}
${table("Dead letters per queue", ["dead-letter queue", "messages recorded", "oldest", "oldest age"], backlog.map((b) => [b.dlq, b.count, iso(b.oldest), age(now, b.oldest)]), "none recorded")}
${consumedQueues(consumed)}
<p class="note">A Worker cannot read a queue's depth: how late the consumers are is the age of each batch's oldest
message (charted as <a href="/admin/metrics">queue_age_s</a>). Dead-letter records are kept 14 days.</p>
${table("Recorded dead letters", ["id", "queue", "replays to", "kind", "attempts", "size", "first seen", "last seen", "actions"], rows.map((r) => [
  html`<a href="/admin/dead-letters?id=${encodeURIComponent(r.id)}">${r.id}</a>`,
  r.dlq,
  r.sourceQueue,
  r.kind,
  r.attempts ?? "max_retries",
  `${r.bodyBytes} B`,
  iso(r.firstSeen),
  r.deliveries > 1 ? `${iso(r.lastSeen)} (${r.deliveries}×)` : iso(r.lastSeen),
  html`${action(r.id, "replay", "Replay")} ${action(r.id, "drop", "Drop")}`
]), "none")}`

/** One record opened: its fields, the last error and the body (e-mail addresses masked in both). */
export const deadLetterBody = (now: number, letter: OpenedDeadLetter): Html => html`
<p><a href="/admin/dead-letters">All dead letters</a></p>
${table(`Dead letter ${letter.id}`, ["field", "value"], [
  ["queue", letter.dlq],
  ["replays to", letter.sourceQueue],
  ["kind", letter.kind],
  ["attempts", letter.attempts ?? "the queue's max_retries"],
  ["reason", letter.reason ?? ""],
  ["first seen", `${iso(letter.firstSeen)} (${age(now, letter.firstSeen)} ago)`],
  ["last seen", iso(letter.lastSeen)],
  ["size", `${letter.bodyBytes} B`]
], "")}
${letter.error !== null ? html`<h2>Last error</h2><pre>${maskAddresses(letter.error)}</pre>` : ""}
<h2>Body</h2><pre>${showBody(letter.body)}</pre>
<p>${action(letter.id, "replay", "Replay")} ${action(letter.id, "drop", "Drop")}</p>`
