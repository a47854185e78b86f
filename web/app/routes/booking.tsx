import { data, isRouteErrorResponse, useLoaderData, useRouteError, type LoaderFunctionArgs, type MetaFunction } from "react-router"
import type { OfferView } from "../../../src/lexicon/types/app/overlap/defs"
import { BookingPanel } from "../components/BookingPanel"
import { appviewFor } from "../lib/appview.server"
import { resolveHandle } from "../lib/resolveHandle.server"
import { sentenceFor } from "../lib/errorSentences"
import { XrpcError } from "../lib/xrpc"

// atproto handle syntax (https://atproto.com/specs/handle): labels of letters, digits and hyphens, a dot between
const HANDLE = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/

export interface BookingPageData {
  readonly handle: string
  /** The host's DID, which every call to the AppView names. */
  readonly did: string
  /** The host's offers this visitor may book; undefined while the visitor has not passed Turnstile (signed out). */
  readonly offers: ReadonlyArray<OfferView> | undefined
  /** A refusal of the offers call, as an error name and the wait asked for. */
  readonly problem: { readonly error: string; readonly retryAfterSec: number | undefined } | undefined
  readonly siteKey: string
}

export const loader = async ({ params, request, context }: LoaderFunctionArgs) => {
  const profile = params.profile ?? ""
  const handle = profile.slice(1).toLowerCase()
  if (!profile.startsWith("@") || handle.length > 253 || !HANDLE.test(handle)) throw data({ handle }, { status: 404 })
  const env = context.cloudflare.env
  const did = await resolveHandle(env, handle)
  if (did === undefined) throw data({ handle }, { status: 404 })
  const base = { handle, did, siteKey: env.TURNSTILE_SITE_KEY }
  try {
    const answer = await appviewFor(env, request).query("app.overlap.getOffers", { host: did, limit: 50 })
    return { ...base, offers: answer.offers, problem: undefined } satisfies BookingPageData
  } catch (error) {
    if (!(error instanceof XrpcError)) throw error
    if (error.error === "HostNotFound") throw data({ handle }, { status: 404 })
    // a signed-out visitor: the browser passes Turnstile and asks for the offers itself
    if (error.error === "TurnstileRequired") return { ...base, offers: undefined, problem: undefined } satisfies BookingPageData
    return { ...base, offers: undefined, problem: { error: error.error, retryAfterSec: error.retryAfterSec } } satisfies BookingPageData
  }
}

/** Open Graph and Twitter-card tags, so a link posted on Bluesky previews as the host's booking page. */
export const meta: MetaFunction<typeof loader> = ({ data: page, location }) => {
  if (page === undefined || !("siteKey" in page)) return [{ title: "Not found · Overlap" }]
  const title = `Book a time with @${page.handle}`
  const windows = page.offers?.length ?? 0
  const description =
    windows > 0
      ? `Pick a time that suits you from @${page.handle}'s open availability; they confirm it. Times are shown in your own time zone.`
      : `Book a meeting with @${page.handle} on Overlap: pick a free time in your own time zone, and they confirm it.`
  return [
    { title: `${title} · Overlap` },
    { name: "description", content: description },
    { property: "og:type", content: "profile" },
    { property: "og:site_name", content: "Overlap" },
    { property: "og:title", content: title },
    { property: "og:description", content: description },
    { property: "og:url", content: location.pathname },
    { property: "profile:username", content: page.handle },
    { name: "twitter:card", content: "summary" },
    { name: "twitter:title", content: title },
    { name: "twitter:description", content: description }
  ]
}

export default function BookingPage() {
  const page = useLoaderData<typeof loader>()
  return (
    <main id="content">
      <div className="profile">
        <div className="avatar" aria-hidden="true">
          {page.handle.charAt(0).toUpperCase()}
        </div>
        <div>
          <h1>Book a time with @{page.handle}</h1>
          <p className="muted">Pick a length and a time. @{page.handle} confirms it; nobody sees anyone's calendar.</p>
        </div>
      </div>
      {page.problem !== undefined ? (
        <p className="notice error" role="alert">
          {sentenceFor(page.problem.error, { host: page.handle, retryAfterSec: page.problem.retryAfterSec })}
        </p>
      ) : (
        <BookingPanel handle={page.handle} did={page.did} initialOffers={page.offers} siteKey={page.siteKey} />
      )}
    </main>
  )
}

/** An unknown or malformed handle: the 404 page, with the handle named. */
export function ErrorBoundary() {
  const error = useRouteError()
  if (isRouteErrorResponse(error) && error.status === 404) {
    const handle = (error.data as { handle?: string } | undefined)?.handle
    return <HostNotFound handle={handle} />
  }
  throw error
}

export function HostNotFound({ handle }: { readonly handle: string | undefined }) {
  return (
    <main id="content">
      <title>Not found · Overlap</title>
      <h1>There is nothing here</h1>
      <p>{handle ? `We could not find @${handle} on Overlap. Check the handle in the link.` : "This page does not exist. Check the link."}</p>
      <p>
        <a href="/">Go to the front page</a>
      </p>
    </main>
  )
}
