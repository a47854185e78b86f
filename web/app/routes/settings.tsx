import { useEffect, useState } from "react"
import { useLoaderData, useRevalidator, useRouteLoaderData, type LoaderFunctionArgs, type MetaFunction } from "react-router"
import { ConsoleNav } from "../components/ConsoleNav"
import { NotificationSettings } from "../components/NotificationSettings"
import { SignedInAs } from "../components/SignedInAs"
import { WebhookSettings } from "../components/WebhookSettings"
import { appviewFor } from "../lib/appview.server"
import { send } from "../lib/browserXrpc"
import { sentenceFor } from "../lib/errorSentences"
import { orSignIn } from "../lib/signedIn.server"
import { detectedZone } from "../lib/time"
import { useAction } from "../lib/useAction"
import { XrpcError } from "../lib/xrpc"
import type { loader as rootLoader } from "../root"

export const meta: MetaFunction = () => [{ title: "Settings · Overlap" }]

/** A section's read that failed for another reason than being signed out: its sentence, the rest of the page stands. */
const orProblem = <T,>(call: Promise<T>): Promise<{ readonly value: T } | { readonly problem: string }> =>
  call.then(
    (value) => ({ value }),
    (error) => {
      if (error instanceof XrpcError && !(error.status === 401 || ["AuthMissing", "SessionInvalid", "AccountRequired"].includes(error.error))) {
        return { problem: sentenceFor(error.error, { retryAfterSec: error.retryAfterSec }) }
      }
      throw error
    }
  )

export const loader = async ({ request, context }: LoaderFunctionArgs) =>
  orSignIn("/app/settings", async () => {
    const appview = appviewFor(context.cloudflare.env, request)
    const [webhooks, session, notify, who] = await Promise.all([
      appview.query("app.overlap.webhook.listSubscriptions", {}),
      orProblem(appview.query("app.overlap.session.getSettings", {})),
      orProblem(appview.query("app.overlap.notify.getSettings", {})),
      orProblem(appview.query("app.overlap.account.getSession", {}))
    ])
    return { subscriptions: webhooks.subscriptions, session, notify, who }
  })

/** Publishing: whether each meeting is also written, masked, to the host's own PDS (off by default). */
function Publishing({ publishMeetings, onChanged }: { readonly publishMeetings: boolean; readonly onChanged: () => unknown }) {
  const { busy, problem, run } = useAction(onChanged)
  // shown as chosen at once; put back when the AppView refuses
  const [on, setOn] = useState(publishMeetings)
  useEffect(() => setOn(publishMeetings), [publishMeetings])
  return (
    <section aria-labelledby="publishing">
      <h2 id="publishing">Publishing</h2>
      <label className="check">
        <input
          type="checkbox"
          id="publish-meetings"
          checked={on}
          disabled={busy}
          onChange={(event) => {
            const wanted = event.currentTarget.checked
            setOn(wanted)
            void run(() => send("app.overlap.session.putSettings", { publishMeetings: wanted })).then((done) => done || setOn(!wanted))
          }}
        />{" "}
        Publish my meetings to my PDS (a record per meeting in your own repository, without the other person&apos;s note)
      </label>
      <p className="muted">Off by default: nothing about your meetings is written to your repository unless you turn this on.</p>
      {problem !== undefined && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
    </section>
  )
}

export default function Settings() {
  const { subscriptions, session: sessionSettings, notify, who } = useLoaderData<typeof loader>()
  const session = useRouteLoaderData<typeof rootLoader>("root")
  const revalidator = useRevalidator()
  const refresh = () => revalidator.revalidate()
  const [zone, setZone] = useState("UTC")
  useEffect(() => setZone(detectedZone()), [])
  return (
    <main id="content">
      <ConsoleNav current="settings" />
      <h1>Settings</h1>
      {"value" in who ? <SignedInAs who={who.value} zone={zone} /> : <p className="notice error">{who.problem}</p>}
      {"value" in sessionSettings && sessionSettings.value.reauthorizeRequired === true && (
        <p className="notice error" role="alert">
          Overlap can no longer write to your PDS ({sessionSettings.value.reauthorizeReason ?? "the permission ended"}). <a href="/signin?returnTo=%2Fapp%2Fsettings">Sign in again</a> to
          renew it.
        </p>
      )}
      {"value" in sessionSettings ? (
        <Publishing publishMeetings={sessionSettings.value.publishMeetings === true} onChanged={refresh} />
      ) : (
        <p className="notice error">{sessionSettings.problem}</p>
      )}
      {"value" in notify ? <NotificationSettings settings={notify.value} onChanged={refresh} /> : <p className="notice error">{notify.problem}</p>}
      <WebhookSettings subscriptions={subscriptions} zone={zone} onChanged={refresh} />
      <h2>Account</h2>
      <form method="post" action="/oauth/logout">
        <input type="hidden" name="csrf" value={session?.csrf ?? ""} />
        <button type="submit" className="secondary">
          Sign out
        </button>
      </form>
    </main>
  )
}
