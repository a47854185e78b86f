import type { FormEvent } from "react"
import { useLoaderData, useRevalidator, type LoaderFunctionArgs, type MetaFunction } from "react-router"
import type { ConnectorView } from "../../../src/lexicon/types/app/overlap/defs"
import { CalendarChoices } from "../components/CalendarChoices"
import { ConsoleNav } from "../components/ConsoleNav"
import { appviewFor } from "../lib/appview.server"
import { send } from "../lib/browserXrpc"
import { orSignIn } from "../lib/signedIn.server"
import { useAction } from "../lib/useAction"

export const meta: MetaFunction = () => [{ title: "Calendars · Overlap" }]

export const loader = async ({ request, context }: LoaderFunctionArgs) =>
  orSignIn("/app/calendars", () => appviewFor(context.cloudflare.env, request).query("app.overlap.listConnectors", {}))

const PROVIDER: Record<ConnectorView["provider"], string> = { google: "Google Calendar", microsoft: "Microsoft Outlook", caldav: "CalDAV", local: "Overlap's own calendar" }
const STATUS: Record<ConnectorView["status"], string> = { active: "Working", broken: "Needs reconnecting", pending: "Waiting for you to finish connecting" }

export default function Calendars() {
  const { connectors } = useLoaderData<typeof loader>()
  const revalidator = useRevalidator()
  const { busy, problem, run } = useAction(() => revalidator.revalidate())
  // Google / Microsoft: the AppView answers a one-time begin link (/oauth/<provider>/begin, bound to this browser)
  const connectOAuth = (provider: "google" | "microsoft") =>
    run(async () => {
      const answer = await send("app.overlap.connector.start", { provider })
      if (answer.authorizationUrl !== undefined) window.location.assign(answer.authorizationUrl)
    })
  const connectCaldav = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const form_ = event.currentTarget
    void run(async () => {
      await send("app.overlap.connector.start", {
        provider: "caldav",
        serverUrl: String(form.get("serverUrl") ?? ""),
        username: String(form.get("username") ?? ""),
        appPassword: String(form.get("appPassword") ?? "")
      })
      form_.reset()
    })
  }
  return (
    <main id="content">
      <ConsoleNav current="calendars" />
      <h1>Calendars</h1>
      <p>Overlap reads when you are busy (never what the events are) and holds booked times on the calendar you connect.</p>
      {problem !== undefined && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
      <ul style={{ listStyle: "none", padding: 0 }}>
        {connectors.map((connector) => (
          <li key={connector.id} className="card">
            <p>
              <strong>{PROVIDER[connector.provider]}</strong> {connector.accountLabel ? `· ${connector.accountLabel}` : ""}
            </p>
            <p className={connector.status === "broken" ? "notice error" : "muted"}>
              {STATUS[connector.status]}
              {connector.calendars.length > 0 ? ` · ${connector.calendars.length} calendar${connector.calendars.length === 1 ? "" : "s"}` : ""}
            </p>
            {connector.warning !== undefined && <p className="notice">{connector.warning}</p>}
            {connector.calendars.length > 0 && (
              <ul aria-label={`Calendars of ${PROVIDER[connector.provider]}${connector.accountLabel ? ` ${connector.accountLabel}` : ""}`}>
                {connector.calendars.map((calendar) => (
                  <li key={calendar.id}>
                    {calendar.name ?? calendar.id}
                    {calendar.primary ? " (primary)" : ""} · {calendar.checkBusy === false ? "does not block times" : "its busy times block bookings"}
                    {calendar.holds ? " · holds go here" : ""}
                  </li>
                ))}
              </ul>
            )}
            <div className="row">
              {connector.status === "broken" && (connector.provider === "google" || connector.provider === "microsoft") && (
                <button type="button" disabled={busy} onClick={() => connectOAuth(connector.provider as "google" | "microsoft")}>
                  Reconnect
                </button>
              )}
              {connector.provider !== "local" && (
                <button
                  type="button"
                  className="secondary"
                  disabled={busy}
                  aria-label={`Remove ${PROVIDER[connector.provider]}${connector.accountLabel ? ` ${connector.accountLabel}` : ""}`}
                  onClick={() => run(() => send("app.overlap.connector.remove", { connectorId: connector.id }))}
                >
                  Remove
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
      {connectors.some((connector) => connector.calendars.length > 0) && (
        <CalendarChoices connectors={connectors} busy={busy} save={(changes) =>
          run(async () => {
            // one at a time, the holds change last (it moves the holds away from every other calendar)
            for (const change of changes) await send("app.overlap.connector.setCalendars", change)
          })} />
      )}
      {connectors.length === 0 && <p className="muted">No calendar connected yet: until you connect one, Overlap keeps your meetings in its own calendar.</p>}
      <h2>Connect a calendar</h2>
      <div className="row">
        <button type="button" disabled={busy} onClick={() => connectOAuth("google")}>
          Connect Google Calendar
        </button>
        <button type="button" disabled={busy} onClick={() => connectOAuth("microsoft")}>
          Connect Microsoft Outlook
        </button>
      </div>
      <form className="card" onSubmit={connectCaldav}>
        <h3>CalDAV (iCloud, Fastmail, Nextcloud…)</h3>
        <label htmlFor="serverUrl">Server address</label>
        <input id="serverUrl" name="serverUrl" type="url" required placeholder="https://caldav.fastmail.com/" />
        <label htmlFor="username">Username</label>
        <input id="username" name="username" type="text" required autoComplete="username" />
        <label htmlFor="appPassword">App password</label>
        <input id="appPassword" name="appPassword" type="password" required autoComplete="off" />
        <p className="muted">
          Use an app-specific password, not your main one:{" "}
          <a href="https://support.apple.com/en-us/102654">iCloud</a>, <a href="https://www.fastmail.help/hc/en-us/articles/360058752854">Fastmail</a>,{" "}
          <a href="https://docs.nextcloud.com/server/latest/user_manual/en/session_management.html">Nextcloud</a>.
        </p>
        <button type="submit" disabled={busy}>
          Connect CalDAV
        </button>
      </form>
    </main>
  )
}
