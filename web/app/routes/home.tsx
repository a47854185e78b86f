import { useLoaderData, type LoaderFunctionArgs, type MetaFunction } from "react-router"

export const meta: MetaFunction = () => [
  { title: "Overlap — private meeting scheduling on Bluesky" },
  { name: "description", content: "Share one link; people you know on Bluesky pick a time that fits both calendars, and nobody sees your calendar." }
]

export const loader = ({ context }: LoaderFunctionArgs) => {
  const env = context.cloudflare.env
  return { demoHandle: env.ENVIRONMENT === "development" && env.DEMO_HANDLE.length > 0 ? env.DEMO_HANDLE : undefined }
}

export default function Home() {
  const { demoHandle } = useLoaderData<typeof loader>()
  return (
    <main id="content">
      <h1>Meet people you know, without showing your calendar</h1>
      <p className="lead">
        Overlap lets you share one booking link with the people you know on Bluesky: they see only a few times that are free for both of you, in
        their own time zone. It checks both calendars privately, holds the time on both, and you confirm it — nobody ever sees the rest of your
        week.
      </p>
      <p className="row">
        <a className="button" href="/signin">
          Sign in with Bluesky
        </a>
      </p>
      {demoHandle !== undefined && (
        <div className="notice">
          <p>
            This is a development server. Try the booking page of the demo host: <a href={`/@${demoHandle}`}>@{demoHandle}</a>.
          </p>
        </div>
      )}
      <h2>How it works</h2>
      <ol>
        <li>A host publishes rough availability (for example, weekday afternoons) to their own Bluesky account, and says who may book.</li>
        <li>A guest opens the host's link, picks a length and one of the free times Overlap offers, and books.</li>
        <li>Overlap holds the time on both calendars; the host confirms, and both calendars show the meeting.</li>
      </ol>
    </main>
  )
}
