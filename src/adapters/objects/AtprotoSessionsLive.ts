import { Effect, Layer } from "effect"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import {
  AtprotoSessions,
  PdsWriteRejected,
  ReauthorizeRequired,
  SessionUnavailable,
  type WriteOutcome
} from "../../services/AtprotoSessions"

/** AtprotoSessions over the `SESSION` namespace: one SessionDO per DID (`idFromName(did)`). */
export const AtprotoSessionsLive: Layer.Layer<AtprotoSessions, never, CloudflareEnv> = Layer.effect(
  AtprotoSessions,
  Effect.map(CloudflareEnv, ({ SESSION }) => {
    const stubOf = (did: string) => SESSION.get(SESSION.idFromName(did))
    const rpc = <A>(did: string, method: string, call: () => Promise<A>) =>
      Effect.tryPromise({
        try: call,
        catch: () => new SessionUnavailable({ did, message: `the session object could not be reached (${method})` })
      })
    return AtprotoSessions.of({
      adopt: (did, origin, session) => rpc(did, "adopt", () => stubOf(did).adopt(did, origin, session)),
      write: (did, write) =>
        Effect.flatMap(rpc(did, "write", () => stubOf(did).write(did, write)), (reply): Effect.Effect<WriteOutcome, ReauthorizeRequired | PdsWriteRejected> => {
          switch (reply.status) {
            case "written":
              return Effect.succeed({ status: "written", ...(reply.uri ? { uri: reply.uri } : {}), ...(reply.cid ? { cid: reply.cid } : {}) })
            case "queued":
              return Effect.succeed({ status: "queued", reason: reply.reason ?? "the PDS could not be reached" })
            case "reauthorize":
              return Effect.fail(new ReauthorizeRequired({ did, message: reply.reason ?? "sign in again" }))
            case "rejected":
              return Effect.fail(new PdsWriteRejected({
                did,
                status: reply.httpStatus ?? 400,
                error: reply.error ?? "Error",
                message: reply.message ?? "the PDS refused the record"
              }))
          }
        }),
      signOut: (did) => Effect.ignore(rpc(did, "signOut", () => stubOf(did).signOut(did)))
    })
  })
)
