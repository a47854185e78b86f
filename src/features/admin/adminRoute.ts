import { Clock, Effect } from "effect"
import { AccessVerifier } from "../../services/AccessVerifier"
import { AuditEventsRepo } from "../../services/AuditEventsRepo"
import { DeadLetterRecords } from "../../services/DeadLetterRecords"
import { OperatorViews } from "../../services/OperatorViews"
import { WorkerHealth } from "../../services/WorkerHealth"
import { MetricsQuery } from "../../services/MetricsQuery"
import { dashboardData, ingestLagBySourceData, sloData } from "./metricsData"
import { WINDOW_PROBLEM, WINDOWS, windowOf } from "./metricsWindow"
import { metricsBody } from "./pages/metricsPage"
import { sloBody } from "./pages/sloPage"
import { auditBody, BOOKING_ID } from "./pages/auditPage"
import { DEAD_LETTERS_PATH, handleDeadLetters } from "./deadLettersRoute"
import { html, page, pageHeaders } from "./pages/html"
import { overviewBody } from "./pages/overviewPage"

export const ADMIN_PREFIX = "/admin"
export const isAdminRoute = (pathname: string) => pathname === ADMIN_PREFIX || pathname.startsWith(`${ADMIN_PREFIX}/`)

export type AdminNeeds = AccessVerifier | OperatorViews | AuditEventsRepo | WorkerHealth | MetricsQuery | DeadLetterRecords

const respond = (status: number, body: string) => new Response(body, { status, headers: pageHeaders })

// a function: a Response may not be made at global scope in workerd ("Disallowed operation called within global scope")
const refused = () => respond(403, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Forbidden</title></head><body><h1>Forbidden</h1><p>The operator console answers only through Cloudflare Access.</p></body></html>")

/**
 * The operator console (docs/operations.md). Every request is checked by `AccessVerifier` first: without a valid
 * Cloudflare Access token it is 403, whatever the path or method. Then: `GET /admin` (overview), `GET /admin/audit`,
 * `GET /admin/metrics` (KPI charts), `GET /admin/slo` (objectives and error budgets), `GET|POST /admin/dead-letters`.
 */
export const handleAdminRoute = (request: Request): Effect.Effect<Response, never, AdminNeeds> =>
  Effect.gen(function*() {
    const verifier = yield* AccessVerifier
    const identity = yield* Effect.either(verifier.verify(request))
    if (identity._tag === "Left") {
      yield* Effect.logWarning("operator console refused").pipe(Effect.annotateLogs({ reason: identity.left.reason }))
      return refused()
    }
    const operator = identity.right.name
    const url = new URL(request.url)
    const path = url.pathname.replace(/\/+$/, "") || ADMIN_PREFIX
    if (path === DEAD_LETTERS_PATH) return yield* handleDeadLetters(request, url, operator)
    if (request.method !== "GET" && request.method !== "HEAD") {
      return respond(405, page("Method not allowed", path, operator, html`<p>The console only reads: GET.</p>`))
    }
    if (path === ADMIN_PREFIX) {
      const views = yield* OperatorViews
      const now = yield* Clock.currentTimeMillis
      const overview = yield* Effect.all({
        health: (yield* WorkerHealth).all(),
        sources: views.sourceCursors(),
        brokenConnectors: views.brokenConnectors(),
        bookings: views.bookingsByState(),
        holds: views.holds(now),
        ingestLag: ingestLagBySourceData(WINDOWS["1h"]!)
      }, { concurrency: "unbounded" })
      return respond(200, page("Overview", path, operator, overviewBody({ now, ...overview })))
    }
    if (path === `${ADMIN_PREFIX}/audit`) {
      const bookingId = url.searchParams.get("booking")
      if (bookingId === null || bookingId === "") return respond(200, page("Booking audit trail", path, operator, auditBody("", undefined)))
      if (!BOOKING_ID.test(bookingId)) {
        return respond(400, page("Booking audit trail", path, operator, auditBody("", undefined, "booking: a booking id is 1–200 letters, digits or . _ : # -")))
      }
      const events = yield* (yield* AuditEventsRepo).listByBooking(bookingId)
      return respond(200, page("Booking audit trail", path, operator, auditBody(bookingId, events)))
    }
    if (path === `${ADMIN_PREFIX}/metrics` || path === `${ADMIN_PREFIX}/slo`) {
      const isSlo = path === `${ADMIN_PREFIX}/slo`
      const title = isSlo ? "Service level objectives" : "Metrics"
      const chosen = windowOf(url.searchParams.get("window"), isSlo ? "7d" : "24h")
      if (chosen === undefined) return respond(400, page(title, path, operator, html`<p class="bad" role="alert">${WINDOW_PROBLEM}</p>`))
      const metrics = yield* MetricsQuery
      const body = isSlo
        ? sloBody(chosen.name, metrics.source, yield* sloData(chosen.window))
        : metricsBody(chosen.name, metrics.source, yield* dashboardData(chosen.window))
      return respond(200, page(title, path, operator, body))
    }
    return respond(404, page("Not found", path, operator, html`<p>No console page here.</p>`))
  }).pipe(
    Effect.catchTag("RepositoryError", (error) =>
      Effect.as(Effect.logError("operator console could not read D1", error), respond(503, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unavailable</title></head><body><h1>Unavailable</h1><p>The database did not answer; try again.</p></body></html>")))
  )
