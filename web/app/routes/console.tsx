import { useEffect, useState } from "react"
import { redirect, useLoaderData, useRevalidator, type LoaderFunctionArgs, type MetaFunction } from "react-router"
import type { BookingView } from "../../../src/lexicon/types/app/overlap/defs"
import { BookingCard } from "../components/BookingCard"
import { ConsoleNav } from "../components/ConsoleNav"
import { appviewFor } from "../lib/appview.server"
import { handlesOf } from "../lib/people.server"
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

/** The zone the host's offers are in (read with the viewer's session: only offers the viewer may see). */
const hostZoneOf = async (appview: ReturnType<typeof appviewFor>, host: string): Promise<readonly [string, string] | undefined> => {
  const answer = await appview.query("app.overlap.getOffers", { host, limit: 1 }).catch(() => undefined)
  const tz = answer?.offers[0]?.tz
  return tz === undefined ? undefined : [host, tz]
}

/**
 * The signed-in person's bookings, as host and as guest (their session cookie goes to the AppView with the call),
 * with the other people's handles and zones: a guest's zone is the booking's, a host's is their offers'.
 */
export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const env = context.cloudflare.env
  const appview = appviewFor(env, request)
  try {
    const [asHost, asGuest] = await Promise.all([
      appview.query("app.overlap.listBookings", { role: "host", limit: 100 }),
      appview.query("app.overlap.listBookings", { role: "guest", limit: 100 })
    ])
    const hosts = [...new Set(asGuest.bookings.map((booking) => booking.hostDid))].slice(0, 10)
    const [handles, hostZones] = await Promise.all([
      handlesOf(env, [...asHost.bookings.map((booking) => booking.guestDid), ...hosts]),
      Promise.all(hosts.map((host) => hostZoneOf(appview, host)))
    ])
    return {
      asHost: asHost.bookings,
      asGuest: asGuest.bookings,
      handles,
      hostZones: Object.fromEntries(hostZones.filter((entry) => entry !== undefined)) as Record<string, string>,
      problem: undefined
    }
  } catch (error) {
    if (error instanceof XrpcError && (SIGNED_OUT.has(error.error) || error.status === 401)) throw redirect(`/signin?${new URLSearchParams({ returnTo: "/app" })}`)
    if (error instanceof XrpcError) return { asHost: [], asGuest: [], handles: {}, hostZones: {}, problem: sentenceFor(error.error, { retryAfterSec: error.retryAfterSec }) }
    throw error
  }
}

interface People {
  readonly handles: Readonly<Record<string, string>>
  readonly hostZones: Readonly<Record<string, string>>
}

function Group({ title, bookings, role, zone, people, onChanged }: { readonly title: string; readonly bookings: ReadonlyArray<BookingView>; readonly role: "host" | "guest"; readonly zone: string; readonly people: People; readonly onChanged: () => unknown }) {
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
                <BookingCard
                  key={booking.id}
                  booking={booking}
                  role={role}
                  zone={zone}
                  otherZone={role === "host" ? booking.tz : people.hostZones[booking.hostDid]}
                  otherHandle={people.handles[role === "host" ? booking.guestDid : booking.hostDid]}
                  onChanged={onChanged}
                />
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
  const { asHost, asGuest, handles, hostZones, problem } = useLoaderData<typeof loader>()
  const people = { handles, hostZones }
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
  const refresh = () => revalidator.revalidate()
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
      <Group title="As host" bookings={asHost} role="host" zone={zone} people={people} onChanged={refresh} />
      <Group title="As guest" bookings={asGuest} role="guest" zone={zone} people={people} onChanged={refresh} />
    </main>
  )
}
