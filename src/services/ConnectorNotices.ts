import type { Effect } from "effect"
import { Context, Schema } from "effect"
import type { ConnectorNotice } from "../domain/calendar/connectorNotice"

/** The queue refused or failed the send; safe to retry (notices carry a stable id). */
export class NoticeEnqueueError extends Schema.TaggedError<NoticeEnqueueError>()("NoticeEnqueueError", {
  cause: Schema.Defect
}) {}

/**
 * Tells people about their connectors (broken) and about holds released for a calendar conflict. Live over the
 * `notify-tasks` queue: src/adapters/queues/ConnectorNoticesLive.ts.
 */
export class ConnectorNotices extends Context.Tag("overlap/ConnectorNotices")<ConnectorNotices, {
  readonly send: (notice: ConnectorNotice) => Effect.Effect<void, NoticeEnqueueError>
}>() {}
