import { Clock, Effect } from "effect"
import { DEAD_LETTER_ID } from "../../domain/queues/deadLetter"
import { DeadLetterRecords } from "../../services/DeadLetterRecords"
import type { MetricsQuery } from "../../services/MetricsQuery"
import type { RepositoryError } from "../../services/RepositoryError"
import { queueBacklogData } from "./metricsData"
import { WINDOWS } from "./metricsWindow"
import { deadLetterBody, deadLettersBody } from "./pages/deadLettersPage"
import { html, page, pageHeaders } from "./pages/html"

export const DEAD_LETTERS_PATH = "/admin/dead-letters"
const TITLE = "Dead letters"
const LIST_LIMIT = 200

const respond = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { ...pageHeaders, ...headers } })
const problem = (status: number, operator: string, message: string) =>
  respond(status, page(TITLE, DEAD_LETTERS_PATH, operator, html`<p class="bad" role="alert">${message}</p>`))

/**
 * A state-changing request must come from the console's own page: the Access token rides on a cookie a
 * cross-site form would send too, so a POST whose `Origin` is another site (or, without Origin, whose
 * `Sec-Fetch-Site` is not same-origin) is refused.
 */
const sameOrigin = (request: Request, url: URL): boolean => {
  const origin = request.headers.get("origin")
  if (origin !== null) return origin === url.origin
  return request.headers.get("sec-fetch-site") === "same-origin"
}

const formOf = (request: Request) =>
  Effect.tryPromise(() => request.formData()).pipe(Effect.orElseSucceed(() => undefined))

/**
 * `/admin/dead-letters` (behind the Access check in adminRoute): GET lists the record with the backlog per DLQ, or
 * `?id=` opens one; POST `action=replay|drop&id=…` (same-origin form) replays (sends to its queue, then deletes) or
 * drops it and redirects back (303). Bad input is 400 naming the field; an unknown id 404.
 */
export const handleDeadLetters = (
  request: Request,
  url: URL,
  operator: string
): Effect.Effect<Response, RepositoryError, DeadLetterRecords | MetricsQuery> =>
  Effect.gen(function*() {
    const records = yield* DeadLetterRecords
    const now = yield* Clock.currentTimeMillis
    if (request.method === "GET" || request.method === "HEAD") {
      const id = url.searchParams.get("id")
      if (id !== null) {
        if (!DEAD_LETTER_ID.test(id)) return problem(400, operator, "id: a dead letter id is 1–128 letters, digits or . _ : -")
        return yield* records.open(id).pipe(
          Effect.map((letter) => respond(200, page(TITLE, DEAD_LETTERS_PATH, operator, deadLetterBody(now, letter)))),
          Effect.catchTag("DeadLetterNotFound", () => Effect.succeed(problem(404, operator, `id: no dead letter ${id} (replayed, dropped or expired)`)))
        )
      }
      const done = url.searchParams.get("replayed") ?? url.searchParams.get("dropped")
      const notice = done === null ? undefined : `${url.searchParams.has("replayed") ? "Replayed" : "Dropped"} ${done}.`
      const [backlog, rows, consumed] = yield* Effect.all([records.backlog(), records.list(now, LIST_LIMIT), queueBacklogData(WINDOWS["1h"]!)], { concurrency: "unbounded" })
      return respond(200, page(TITLE, DEAD_LETTERS_PATH, operator, deadLettersBody(now, backlog, rows, consumed, notice)))
    }
    if (request.method !== "POST") return respond(405, page(TITLE, DEAD_LETTERS_PATH, operator, html`<p>GET or POST.</p>`), { allow: "GET, HEAD, POST" })
    if (!sameOrigin(request, url)) return problem(403, operator, "Only the console's own form may change dead letters (cross-site request refused).")
    const form = yield* formOf(request)
    const action = form?.get("action")
    const id = form?.get("id")
    if (action !== "replay" && action !== "drop") return problem(400, operator, "action: replay or drop")
    if (typeof id !== "string" || !DEAD_LETTER_ID.test(id)) return problem(400, operator, "id: a dead letter id is 1–128 letters, digits or . _ : -")
    const redirect = () => respond(303, "", { location: `${DEAD_LETTERS_PATH}?${action === "replay" ? "replayed" : "dropped"}=${encodeURIComponent(id)}` })
    if (action === "drop") {
      const dropped = yield* records.drop(id)
      yield* Effect.logInfo("dead letter dropped").pipe(Effect.annotateLogs({ id, dropped }))
      return dropped ? redirect() : problem(404, operator, `id: no dead letter ${id}`)
    }
    return yield* records.replay(id).pipe(
      Effect.tap((row) => Effect.logInfo("dead letter replayed").pipe(Effect.annotateLogs({ id, queue: row.sourceQueue }))),
      Effect.as(redirect()),
      Effect.catchTags({
        DeadLetterNotFound: () => Effect.succeed(problem(404, operator, `id: no dead letter ${id}`)),
        DeadLetterReplayFailed: (error) => Effect.succeed(problem(502, operator, `Not replayed (kept): ${error.reason}`))
      })
    )
  })
