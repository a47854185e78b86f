import { Effect, Layer, Option, Ref, Schema } from "effect"
import { isBookingEvent } from "../../domain/notify/plan"
import { wants } from "../../domain/notify/preferences"
import { dmText, messageText } from "../../domain/notify/render"
import { ActionLinks } from "../../services/ActionLinks"
import { bookingLinks } from "./bookingLinks"
import type { DmTask } from "../../domain/notify/task"
import { DmChannel, SendFailed } from "../../services/NotifyChannels"
import { NotifySettings } from "../../services/NotifySettings"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { readBoundedText } from "../../platform/boundedBody"
import { DEFAULT_REQUEST_TIMEOUT_MS, failureOf, fetchWithTimeout, MAX_RESPONSE_BODY_BYTES } from "./notifyHttp"

/** Bluesky's chat service and the service id a PDS proxies chat.bsky.* to. */
export const DEFAULT_CHAT_SERVICE_PROXY = "did:web:api.bsky.chat#bsky_chat"

export interface DmSenderConfig {
  /** The sender account's DID (DM_SENDER_DID). */
  readonly did: string | undefined
  /** The sender account's PDS, e.g. https://bsky.social (DM_SENDER_PDS). */
  readonly pds: string | undefined
  /** An app password of the sender account with DM access (DM_SENDER_APP_PASSWORD secret). */
  readonly appPassword: string | undefined
  /** The `atproto-proxy` header value (CHAT_SERVICE_PROXY). */
  readonly proxy: string
  readonly timeoutMs?: number
}

const Session = Schema.Struct({ accessJwt: Schema.String, did: Schema.String })
const ConvoForMembers = Schema.Struct({ convo: Schema.Struct({ id: Schema.String }) })
const SentMessage = Schema.Struct({ id: Schema.String })

/** The access token was refused: the cached session is dropped and the call is made once more. */
const isExpired = (failure: SendFailed) => /HTTP 401|ExpiredToken|InvalidToken/.test(failure.reason)

/**
 * Bluesky DMs from the sender account: `com.atproto.server.createSession` on its PDS (the session is kept for
 * the isolate and renewed when refused), then `chat.bsky.convo.getConvoForMembers` and
 * `chat.bsky.convo.sendMessage` through the same PDS with `atproto-proxy: <proxy>`, which the PDS turns
 * into a service-auth call to the chat service.
 */
export const makeDmChannel = (config: DmSenderConfig) =>
  Effect.gen(function*() {
    const session = yield* Ref.make(Option.none<string>())
    const lock = yield* Effect.makeSemaphore(1)
    const timeoutMs = config.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS

    const json = <A, I>(what: string, schema: Schema.Schema<A, I>, url: string, init: RequestInit) =>
      Effect.gen(function*() {
        const response = yield* fetchWithTimeout(what, url, init, timeoutMs)
        if (!response.ok) return yield* Effect.flip(failureOf(what, response, timeoutMs))
        const read = yield* readBoundedText(response.body, { maxBytes: MAX_RESPONSE_BODY_BYTES, timeoutMs })
        if (read._tag === "TimedOut") return yield* new SendFailed({ reason: `${what}: the answer did not arrive within ${timeoutMs} ms`, retryable: true })
        let body: unknown
        try {
          body = read._tag === "Complete" ? JSON.parse(read.text) : undefined
        } catch {
          body = undefined
        }
        return yield* Schema.decodeUnknown(schema)(body).pipe(
          Effect.mapError(() => new SendFailed({ reason: `${what}: unexpected response`, retryable: true }))
        )
      })

    /** Sends `text` (default: the event's plain text) to the task's recipient. */
    const sendText = (task: DmTask, text: string = messageText(task.event, task.recipientDid)) =>
      Effect.gen(function*() {
        if (config.did === undefined || config.pds === undefined || config.appPassword === undefined) {
          return yield* new SendFailed({
            reason: "dm: the sender account is not configured (DM_SENDER_DID, DM_SENDER_PDS, DM_SENDER_APP_PASSWORD)",
            retryable: false
          })
        }
        const { did, pds, appPassword } = config
        const xrpc = (nsid: string) => new URL(`/xrpc/${nsid}`, pds).toString()

        const accessToken = lock.withPermits(1)(
          Effect.flatMap(Ref.get(session), Option.match({
            onSome: Effect.succeed,
            onNone: () =>
              json("dm createSession", Session, xrpc("com.atproto.server.createSession"), {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ identifier: did, password: appPassword })
              }).pipe(Effect.tap((s) => Ref.set(session, Option.some(s.accessJwt))), Effect.map((s) => s.accessJwt))
          }))
        )

        const chat = (token: string) =>
          Effect.gen(function*() {
            const headers = { authorization: `Bearer ${token}`, "atproto-proxy": config.proxy }
            const members = new URLSearchParams([["members", did], ["members", task.target]])
            const { convo } = yield* json(
              "dm getConvoForMembers",
              ConvoForMembers,
              `${xrpc("chat.bsky.convo.getConvoForMembers")}?${members}`,
              { method: "GET", headers }
            )
            yield* json("dm sendMessage", SentMessage, xrpc("chat.bsky.convo.sendMessage"), {
              method: "POST",
              headers: { ...headers, "content-type": "application/json" },
              body: JSON.stringify({ convoId: convo.id, message: { text } })
            })
          })

        yield* Effect.flatMap(accessToken, chat).pipe(
          Effect.catchIf(isExpired, () =>
            Ref.set(session, Option.none()).pipe(Effect.zipRight(Effect.flatMap(accessToken, chat))))
        )
        return "sent" as const
      })

    return Object.assign(DmChannel.of({ send: (task) => sendText(task) }), { sendText })
  })

export const dmChannelLayer = (config: DmSenderConfig): Layer.Layer<DmChannel> => Layer.effect(DmChannel, makeDmChannel(config))

/**
 * The DM channel configured from the worker's vars and the DM_SENDER_APP_PASSWORD secret. A booking event is
 * sent only to a person who opted in (their preferences: DMs on, this kind on) and only when a sender account
 * is configured; otherwise the delivery is skipped, not failed. It carries the same signed links as the e-mail
 * (view; confirm / decline, or accept / keep a proposed time, for the host; move / cancel). Connector notices go as before (the consumer
 * plans them only when there is a sender).
 */
export const DmChannelLive: Layer.Layer<DmChannel, never, CloudflareEnv | NotifySettings | ActionLinks> = Layer.effect(
  DmChannel,
  Effect.gen(function*() {
    const env = yield* CloudflareEnv
    const settings = yield* NotifySettings
    const links = yield* ActionLinks
    const configured = (env.DM_SENDER_DID ?? "") !== ""
    const inner = yield* makeDmChannel({
      did: env.DM_SENDER_DID || undefined,
      pds: env.DM_SENDER_PDS || undefined,
      appPassword: env.DM_SENDER_APP_PASSWORD || undefined,
      proxy: env.CHAT_SERVICE_PROXY || DEFAULT_CHAT_SERVICE_PROXY
    })
    return DmChannel.of({
      send: (task) =>
        Effect.gen(function*() {
          if (!isBookingEvent(task.event)) return yield* inner.send(task)
          if (!configured) return "skipped" as const
          const mine = yield* settings.get(task.target).pipe(
            Effect.mapError((e) => new SendFailed({ reason: `dm: reading the settings: ${e.operation} failed`, retryable: true }))
          )
          if (!wants(mine.preferences, "dm", task.event)) return "skipped" as const
          // the same signed links as the e-mail (not the unsubscribe: DMs are turned off in the settings)
          const mailLinks = yield* bookingLinks(links, task.event, task.recipientDid, { unsubscribe: false })
          return yield* inner.sendText(task, dmText(task.event, task.recipientDid, mailLinks))
        })
    })
  })
)
