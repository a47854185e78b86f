import { type FormEvent, useState } from "react"
import { useLoaderData, useRevalidator, useRouteLoaderData, type LoaderFunctionArgs, type MetaFunction } from "react-router"
import { ConsoleNav } from "../components/ConsoleNav"
import { appviewFor } from "../lib/appview.server"
import { explain, send } from "../lib/browserXrpc"
import { orSignIn } from "../lib/signedIn.server"
import { dateTimeLabel } from "../lib/time"
import type { loader as rootLoader } from "../root"

export const meta: MetaFunction = () => [{ title: "Settings · Overlap" }]

export const loader = async ({ request, context }: LoaderFunctionArgs) =>
  orSignIn("/app/settings", () => appviewFor(context.cloudflare.env, request).query("app.overlap.webhook.listSubscriptions", {}))

export default function Settings() {
  const { subscriptions } = useLoaderData<typeof loader>()
  const session = useRouteLoaderData<typeof rootLoader>("root")
  const revalidator = useRevalidator()
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [secret, setSecret] = useState<{ readonly url: string; readonly secret: string } | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const run = async (work: () => Promise<void>) => {
    setBusy(true)
    setProblem(undefined)
    try {
      await work()
      await revalidator.revalidate()
    } catch (error) {
      setProblem(explain(error))
    } finally {
      setBusy(false)
    }
  }
  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = event.currentTarget
    const url = String(new FormData(form).get("url") ?? "")
    void run(async () => {
      const answer = await send("app.overlap.webhook.createSubscription", { url })
      setSecret({ url: answer.subscription.url, secret: answer.secret })
      form.reset()
    })
  }
  return (
    <main id="content">
      <ConsoleNav current="settings" />
      <h1>Settings</h1>
      {problem !== undefined && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
      <h2>Webhooks</h2>
      <p>Overlap POSTs each booking change to these addresses, signed as Standard Webhooks.</p>
      {secret !== undefined && (
        <div className="notice ok" role="status">
          <p>
            Webhook for {secret.url} created. Its signing secret is shown <strong>only now</strong>: store it where your endpoint can read it.
          </p>
          <p>
            <code style={{ wordBreak: "break-all" }}>{secret.secret}</code>
          </p>
        </div>
      )}
      <ul style={{ listStyle: "none", padding: 0 }}>
        {subscriptions.map((subscription) => (
          <li key={subscription.id} className="card">
            <p style={{ wordBreak: "break-all" }}>
              <strong>{subscription.url}</strong>
            </p>
            <p className="muted">
              Added {dateTimeLabel(subscription.createdAt, "UTC")}
              {subscription.disabled ? ` · stopped: ${subscription.disabledReason ?? "the endpoint refused deliveries"}` : ""}
            </p>
            <button type="button" className="secondary" disabled={busy} onClick={() => run(async () => void (await send("app.overlap.webhook.deleteSubscription", { id: subscription.id })))}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      <form className="card" onSubmit={create}>
        <label htmlFor="webhook-url">Endpoint address (https)</label>
        <input id="webhook-url" name="url" type="url" required placeholder="https://example.com/overlap-webhook" />
        <p>
          <button type="submit" disabled={busy}>
            Add webhook
          </button>
        </p>
      </form>
      <h2>Account</h2>
      {/* SIGN-IN / SETTINGS (issues 13, 15, 16): the handle and DID, "publish my meetings to my PDS" (off by default) and
          notification preferences come from app.overlap.account.getSettings / putSettings once those land */}
      <form method="post" action="/oauth/logout">
        <input type="hidden" name="csrf" value={session?.csrf ?? ""} />
        <button type="submit" className="secondary">
          Sign out
        </button>
      </form>
    </main>
  )
}
