import { type MetaFunction, useSearchParams } from "react-router"
import { safeReturnPath } from "../lib/returnPath"

export const meta: MetaFunction = () => [{ title: "Sign in · Overlap" }]

/**
 * Sign in with an atproto account: the form goes to the AppView's `/oauth/login` (issue 13; forwarded by this
 * Worker), which sends the browser to the account's own server to sign in and back to `returnTo`.
 */
export default function SignIn() {
  const [params] = useSearchParams()
  const returnTo = safeReturnPath(params.get("returnTo"))
  return (
    <main id="content">
      <h1>Sign in</h1>
      <p>Use your Bluesky (atproto) account. You will sign in on your own account's server; Overlap never sees your password.</p>
      <form method="get" action="/oauth/login" className="card">
        <label htmlFor="handle">Your handle</label>
        <input id="handle" name="handle" type="text" required autoComplete="username" autoCapitalize="none" spellCheck={false} placeholder="alice.bsky.social" />
        <input type="hidden" name="returnTo" value={returnTo} />
        <p>
          <button type="submit">Continue</button>
        </p>
      </form>
    </main>
  )
}
