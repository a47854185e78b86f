import { type FormEvent, useState } from "react"
import { type LoaderFunctionArgs, type MetaFunction, type ShouldRevalidateFunction, useRevalidator } from "react-router"
import type * as DeleteAccount from "../../../src/lexicon/types/app/overlap/account/deleteAccount"
import type * as RequestExport from "../../../src/lexicon/types/app/overlap/account/requestExport"
import { ConsoleNav } from "../components/ConsoleNav"
import { appviewFor } from "../lib/appview.server"
import { explain, send } from "../lib/browserXrpc"
import { csrfHeaders } from "../lib/csrf"
import { orSignIn } from "../lib/signedIn.server"
import { XrpcError } from "../lib/xrpc"

export const meta: MetaFunction = () => [{ title: "Your account · Overlap" }]

/** Signed in, or off to sign in and back here. */
export const loader = async ({ request, context }: LoaderFunctionArgs) =>
  orSignIn("/app/account", async () => {
    await appviewFor(context.cloudflare.env, request).query("app.overlap.session.getSettings", {})
    return {}
  })

/** Set once the account is deleted: the page stays to say so (its loader would find no session and send it to sign in). */
let deletedHere = false
export const shouldRevalidate: ShouldRevalidateFunction = ({ defaultShouldRevalidate }) => !deletedHere && defaultShouldRevalidate

/** The DID a typed handle names (the web Worker asks the resolver: routes/accountResolve.ts), or the sentence why not. */
const didOf = async (typed: string): Promise<{ readonly did: string } | { readonly problem: string }> => {
  if (typed.startsWith("did:")) return { did: typed }
  const response = await fetch(`/app/account/resolve-handle?${new URLSearchParams({ handle: typed })}`, { credentials: "same-origin" })
  const body = (await response.json().catch(() => ({}))) as { did?: string; error?: string }
  if (response.ok && body.did !== undefined) return { did: body.did }
  if (response.status === 400) return { problem: "That is not a handle. Type your handle, like alice.example.com, or your DID." }
  if (response.status === 404) return { problem: `No account has the handle ${typed}. Type your own handle to confirm.` }
  if (response.status === 401) return { problem: "You are signed out. Sign in again to delete your account." }
  return { problem: "Your handle could not be looked up just now. Please try again in a moment, or type your DID." }
}

/** Export: the AppView prepares the bundle and answers two links, each good for one download until they expire. */
function ExportSection() {
  const [busy, setBusy] = useState(false)
  const [links, setLinks] = useState<RequestExport.OutputSchema | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const request = async () => {
    setBusy(true)
    setProblem(undefined)
    try {
      setLinks(await send("app.overlap.account.requestExport", {}))
    } catch (error) {
      setProblem(explain(error))
    } finally {
      setBusy(false)
    }
  }
  return (
    <section aria-labelledby="export">
      <h2 id="export">Export your data</h2>
      <p>
        Everything Overlap keeps about you — bookings, settings, availability rules, event types, connected calendars (never a password or token),
        notification settings, webhooks and the history of your bookings — as a JSON file, and your meetings as a calendar file.
      </p>
      <button type="button" onClick={() => void request()} disabled={busy} id="request-export">
        {busy ? "Preparing…" : "Prepare my export"}
      </button>
      {links !== undefined && (
        <div className="notice ok" role="status" id="export-links">
          <p>Your export is ready. Each link works once, until {new Date(links.expiresAt).toLocaleString()}. Whoever has a link can download its file, so keep them to yourself.</p>
          <ul>
            <li>
              <a href={links.bundleUrl} download>
                Download your data (JSON)
              </a>
            </li>
            <li>
              <a href={links.calendarUrl} download>
                Download your meetings (calendar file)
              </a>
            </li>
          </ul>
        </div>
      )}
      {problem !== undefined && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
    </section>
  )
}

type Deletion =
  | { readonly state: "idle" }
  | { readonly state: "busy" }
  | { readonly state: "problem"; readonly text: string }
  | { readonly state: "deleted"; readonly report: DeleteAccount.OutputSchema }

/**
 * Deletion, with the handle (or DID) typed out. The browser itself calls app.overlap.account.deleteAccount with the
 * session's CSRF token, `confirm` = the DID the typed handle names: the AppView deletes only when that is the
 * signed-in caller. Then it ends this browser's cookies through the AppView's sign-out, which answers a session that
 * no longer exists by clearing them.
 */
function DeleteSection({ deletion, setDeletion }: { readonly deletion: Deletion; readonly setDeletion: (next: Deletion) => void }) {
  const revalidator = useRevalidator()
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const typed = String(new FormData(event.currentTarget).get("confirm") ?? "").trim().replace(/^@/, "")
    if (typed === "") return setDeletion({ state: "problem", text: "Type your handle to confirm." })
    setDeletion({ state: "busy" })
    try {
      const target = await didOf(typed)
      if ("problem" in target) return setDeletion({ state: "problem", text: target.problem })
      const report = await send("app.overlap.account.deleteAccount", { confirm: target.did })
      deletedHere = true
      await fetch("/oauth/logout", { method: "POST", credentials: "same-origin", headers: csrfHeaders() }).catch(() => undefined)
      setDeletion({ state: "deleted", report })
      // the header follows: signed out
      await revalidator.revalidate()
    } catch (error) {
      setDeletion({
        state: "problem",
        text: error instanceof XrpcError && error.error === "InvalidRequest"
          ? `${typed} is not the account you are signed in with. Type your own handle to confirm.`
          : explain(error)
      })
    }
  }
  if (deletion.state === "deleted") {
    const canceled = deletion.report.canceledMeetings
    return (
      <section aria-labelledby="delete" role="status" id="account-deleted">
        <h2 id="delete">Your account is deleted</h2>
        <p>
          {canceled === 0 ? "You had no meetings ahead." : `${canceled} meeting${canceled === 1 ? " was" : "s were"} canceled; the other people were told.`}{" "}
          Your calendars are disconnected and you are signed out everywhere. Signing in again starts a new, empty account.
        </p>
        <p>
          <a href="/">Back to the front page</a>
        </p>
      </section>
    )
  }
  const busy = deletion.state === "busy"
  const problem = deletion.state === "problem" ? deletion.text : undefined
  return (
    <section aria-labelledby="delete">
      <h2 id="delete">Delete your account</h2>
      <p>
        This deletes everything Overlap keeps about you, for good: connected calendars, settings, availability rules, notification settings,
        webhooks and exports. Meetings still ahead are canceled and the other person is told. Past meetings stay in the other person&apos;s history
        without your name or DID. Your own records on your PDS are yours and stay there.
      </p>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <label htmlFor="confirm">Type your handle to confirm</label>
        <input
          id="confirm"
          name="confirm"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          placeholder="alice.example.com"
          required
          aria-invalid={problem !== undefined ? true : undefined}
          aria-describedby={problem !== undefined ? "delete-problem" : undefined}
        />
        <p>
          <button type="submit" disabled={busy}>
            {busy ? "Deleting…" : "Delete my account"}
          </button>
        </p>
      </form>
      {problem !== undefined && (
        <p className="notice error" role="alert" id="delete-problem">
          {problem}
        </p>
      )}
    </section>
  )
}

export default function Account() {
  const [deletion, setDeletion] = useState<Deletion>({ state: "idle" })
  // once deleted, only the sentence that says so: the console and the export (deleted with the account) are gone
  const deleted = deletion.state === "deleted"
  return (
    <main id="content">
      {!deleted && <ConsoleNav current="account" />}
      <h1>Your account</h1>
      {!deleted && <ExportSection />}
      <DeleteSection deletion={deletion} setDeletion={setDeletion} />
    </main>
  )
}
