import { Context, Effect, Layer, Ref, Schema } from "effect"
import type { ConnectorNotice } from "../domain/calendar/connectorNotice"
import { CloudflareEnv } from "../platform/CloudflareEnv"

/** The queue refused or failed the send; safe to retry (notices carry a stable id). */
export class NoticeEnqueueError extends Schema.TaggedError<NoticeEnqueueError>()("NoticeEnqueueError", {
  cause: Schema.Defect
}) {}

/** Tells people about their connectors (broken) and about holds released for a calendar conflict. */
export class ConnectorNotices extends Context.Tag("overlap/ConnectorNotices")<ConnectorNotices, {
  readonly send: (notice: ConnectorNotice) => Effect.Effect<void, NoticeEnqueueError>
}>() {
  /**
   * Over the `NOTIFY_TASKS` queue, as the notice itself: the notify consumer plans its deliveries when it
   * arrives (src/features/notify/notifyConsumer.ts), against the subscriptions as they are then.
   */
  static Live: Layer.Layer<ConnectorNotices, never, CloudflareEnv> = Layer.effect(
    this,
    Effect.map(CloudflareEnv, (env) =>
      ConnectorNotices.of({
        send: (notice) =>
          Effect.tryPromise({
            try: () => env.NOTIFY_TASKS.send(notice, { contentType: "json" }),
            catch: (cause) => new NoticeEnqueueError({ cause })
          })
      }))
  )

  /** In memory: `sent` is every notice, in order. */
  static makeTest = Effect.gen(function*() {
    const sent = yield* Ref.make<ReadonlyArray<ConnectorNotice>>([])
    return {
      sent,
      service: ConnectorNotices.of({ send: (notice) => Ref.update(sent, (all) => [...all, notice]) })
    }
  })
}
