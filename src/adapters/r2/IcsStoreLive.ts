import { Effect, Layer, Option, ParseResult, Schema } from "effect"
import { icsKey, Invitation, methodOf, renderInvitation } from "../../domain/invitation"
import { IcsStore, IcsStoreError, InvitationInvalid, type StoredInvitation } from "../../services/IcsStore"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/** Validates and renders an invitation; shared by the Live and Test layers so both refuse the same inputs. */
export const prepareInvitation = (input: Invitation) =>
  Schema.validate(Invitation)(input).pipe(
    Effect.mapError((error) => new InvitationInvalid({ message: ParseResult.TreeFormatter.formatErrorSync(error) })),
    Effect.map((invitation): StoredInvitation => ({
      key: icsKey(invitation.bookingId, invitation.sequence),
      ics: renderInvitation(invitation),
      method: invitation.method
    }))
  )

/** A stored object read back: `None` unless it parses as an invitation with a known method. */
export const readStored = (key: string, ics: string): Option.Option<StoredInvitation> =>
  Option.map(Option.fromNullable(methodOf(ics)), (method) => ({ key, ics, method }))

/** IcsStore over the `BLOBS` R2 bucket. */
export const IcsStoreLive: Layer.Layer<IcsStore, never, CloudflareEnv> = Layer.effect(
  IcsStore,
  Effect.map(CloudflareEnv, ({ BLOBS }) =>
    IcsStore.of({
      put: (input) =>
        Effect.flatMap(prepareInvitation(input), (stored) =>
          Effect.tryPromise({
            try: () =>
              BLOBS.put(stored.key, stored.ics, {
                httpMetadata: {
                  contentType: `text/calendar; charset=utf-8; method=${stored.method}`,
                  contentDisposition: "attachment; filename=\"invite.ics\""
                },
                customMetadata: { method: stored.method }
              }),
            catch: (cause) => new IcsStoreError({ operation: "put", key: stored.key, cause })
          }).pipe(Effect.as(stored))),

      get: (key) =>
        Effect.tryPromise({
          try: async () => {
            const object = await BLOBS.get(key)
            return object === null ? null : await object.text()
          },
          catch: (cause) => new IcsStoreError({ operation: "get", key, cause })
        }).pipe(Effect.map((text) => Option.flatMap(Option.fromNullable(text), (ics) => readStored(key, ics))))
    }))
)
