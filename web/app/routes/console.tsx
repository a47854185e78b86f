import { useEffect, useState } from "react"
import { redirect, useLoaderData, useRevalidator, type LoaderFunctionArgs, type MetaFunction } from "react-router"
import type { BookingView } from "../../../src/lexicon/types/app/overlap/defs"
import { BookingCard } from "../components/BookingCard"
import { ConsoleNav } from "../components/ConsoleNav"
import { appviewFor } from "../lib/appview.server"
import { sentenceFor } from "../lib/errorSentences"
import { detectedZone } from "../lib/time"
import { XrpcError } from "../lib/xrpc"

export const meta: MetaFunction = () => [{ title: "Inbox · Overlap" }]

/** How often the inbox asks again while it is on screen. */
const POLL_MS = 15_000
const SIGNED_OUT = new Set(["AuthMissing", "SessionInvalid", "AccountRequired"])
const STATES: ReadonlyArray<{ readonly status: BookingView["status"]; readonly title: string }> = [
  { status: "held", title: "Waiting for the host to confirm" },
  { status: "pending", title: "Being arranged" },
  { status: "confirmed", title: "Confirmed" },
  { status: "rescheduled", title: "Moved" },
  { status: "declined", title: "Declined" },
  { status: "canceled", title: "Canceled" },
  { status: "expired", title: "Lapsed" }
]

/** The signed-in person's bookings, as host and as guest (their session cookie goes to the AppView with the call). */
export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const appview = appviewFor(context.cloudflare.env, request)
  try {
    const [asHost, asGuest] = await Promise.all([
      appview.query("app.overlap.listBookings", { role: "host", limit: 100 }),
      appview.query("app.overlap.listBookings", { role: "guest", limit: 100 })
    ])
    return { asHost: asHost.bookings, asGuest: asGuest.bookings, problem: undefined }
  } catch (error) {
    if (error instanceof XrpcError && (SIGNED_OUT.has(error.error) || error.status === 401)) throw redirect(`/signin?${new URLSearchParams({ returnTo: "/app" })}`)
    if (error instanceof XrpcError) return { asHost: [], asGuest: [], problem: sentenceFor(error.error, { retryAfterSec: error.retryAfterSec }) }
    throw error
  }
}

function Group({ title, bookings, role, zone, onChanged }: { readonly title: string; readonly bookings: ReadonlyArray<BookingView>; readonly role: "host" | "guest"; readonly zone: string; readonly onChanged: () => void }) {
  return (
    <section>
      <h2>{title}</h2>
      {STATES.map(({ status, title: stateTitle }) => {
        const inState = bookings.filter((booking) => booking.status === status)
        if (inState.length === 0) return null
        return (
          <section key={status} aria-label={`${title}: ${stateTitle}`}>
            <h3>
              {stateTitle} ({inState.length})
            </h3>
            <ul style={{ listStyle: "none", padding: 0 }}>
              {inState.map((booking) => (
                <BookingCard key={booking.id} booking={booking} role={role} zone={zone} onChanged={onChanged} />
              ))}
            </ul>
          </section>
        )
      })}
      {bookings.length === 0 && <p className="muted">Nothing here yet.</p>}
    </section>
  )
}

export default function Inbox() {
  const { asHost, asGuest, problem } = useLoaderData<typeof loader>()
  const revalidator = useRevalidator()
  const [zone, setZone] = useState("UTC")
  useEffect(() => setZone(detectedZone()), [])
  // updates without a reload: ask again every POLL_MS while the page is visible
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible" && revalidator.state === "idle") void revalidator.revalidate()
    }, POLL_MS)
    return () => clearInterval(timer)
  }, [revalidator])
  const refresh = () => void revalidator.revalidate()
  return (
    <main id="content">
      <ConsoleNav current="inbox" />
      <h1>Inbox</h1>
      <p className="muted">Times in {zone.replaceAll("_", " ")}. This page updates by itself.</p>
      {problem !== undefined && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
      <Group title="As host" bookings={asHost} role="host" zone={zone} onChanged={refresh} />
      <Group title="As guest" bookings={asGuest} role="guest" zone={zone} onChanged={refresh} />
    </main>
  )
}
