import { Effect, Layer } from "effect"
import { DeadLetterError, DeadLetters } from "../../services/DeadLetters"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/** DeadLetters over the `NOTIFY_DEAD_LETTERS` producer binding (the same queue as the consumer's dead_letter_queue). */
export const DeadLettersLive: Layer.Layer<DeadLetters, never, CloudflareEnv> = Layer.effect(
  DeadLetters,
  Effect.map(CloudflareEnv, (env) =>
    DeadLetters.of({
      send: (letter) => {
        const queue = env.NOTIFY_DEAD_LETTERS
        if (queue === undefined) return Effect.succeed(false)
        return Effect.tryPromise({
          try: () => queue.send(letter, { contentType: "json" }),
          catch: (cause) => new DeadLetterError({ cause })
        }).pipe(Effect.as(true))
      }
    }))
)
