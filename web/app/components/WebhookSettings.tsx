import { type FormEvent, useState } from "react"
import type { SubscriptionView } from "../../../src/lexicon/types/app/overlap/webhook/defs"
import { send } from "../lib/browserXrpc"
import { dateTimeLabel } from "../lib/time"
import { useAction } from "../lib/useAction"

/** Webhooks: create (the signing secret is shown once, here, and never again), list, delete. */
export function WebhookSettings({ subscriptions, zone, onChanged }: { readonly subscriptions: ReadonlyArray<SubscriptionView>; readonly zone: string; readonly onChanged: () => unknown }) {
  const { busy, problem, run } = useAction(onChanged)
  const [secret, setSecret] = useState<{ readonly url: string; readonly secret: string } | undefined>(undefined)
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
    <section aria-labelledby="webhooks">
      <h2 id="webhooks">Webhooks</h2>
      <p>Overlap POSTs each booking change to these addresses, signed as Standard Webhooks.</p>
      {secret !== undefined && (
        <div className="notice ok" role="status">
          <p>
            Webhook for {secret.url} created. Its signing secret is shown <strong>only now</strong>: store it where your endpoint can read it.
          </p>
          <p>
            <code id="webhook-secret" style={{ wordBreak: "break-all" }}>
              {secret.secret}
            </code>
          </p>
        </div>
      )}
      <ul style={{ listStyle: "none", padding: 0 }} aria-label="Your webhooks">
        {subscriptions.map((subscription) => (
          <li key={subscription.id} className="card">
            <p style={{ wordBreak: "break-all" }}>
              <strong>{subscription.url}</strong>
            </p>
            <p className="muted">
              Added {dateTimeLabel(subscription.createdAt, zone)}
              {subscription.disabled ? ` · stopped: ${subscription.disabledReason ?? "the endpoint refused deliveries"}` : ""}
            </p>
            <button
              type="button"
              className="secondary"
              disabled={busy}
              aria-label={`Delete the webhook for ${subscription.url}`}
              onClick={() => run(() => send("app.overlap.webhook.deleteSubscription", { id: subscription.id }))}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
      {subscriptions.length === 0 && <p className="muted">No webhook yet.</p>}
      <form className="card" onSubmit={create}>
        <label htmlFor="webhook-url">Endpoint address (https)</label>
        <input id="webhook-url" name="url" type="url" required placeholder="https://example.com/overlap-webhook" />
        <p>
          <button type="submit" disabled={busy}>
            Add webhook
          </button>
        </p>
      </form>
      {problem !== undefined && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
    </section>
  )
}
