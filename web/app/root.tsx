import type { ReactNode } from "react"
import { isRouteErrorResponse, Links, type LoaderFunctionArgs, Meta, Outlet, Scripts, ScrollRestoration, useRouteError, useRouteLoaderData } from "react-router"
// inlined: one round trip less before the first paint on a slow network (the sheet is ~1 KiB gzip)
import styles from "./app.css?inline"
import { SiteFooter, SiteHeader } from "./components/SiteFrame"
import { csrfTokenOf } from "./lib/csrf"

/** Whether the visitor has a sign-in session (its CSRF cookie; the AppView checks the session itself on every call). */
export const loader = ({ request }: LoaderFunctionArgs) => ({ csrf: csrfTokenOf(request.headers.get("cookie")) })

export function Layout({ children }: { readonly children: ReactNode }) {
  const session = useRouteLoaderData<typeof loader>("root")
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <Meta />
        <Links />
        <style dangerouslySetInnerHTML={{ __html: styles }} />
      </head>
      <body>
        <a className="skip" href="#content">
          Skip to content
        </a>
        <SiteHeader csrf={session?.csrf} />
        {children}
        <SiteFooter />
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  )
}

export default function App() {
  return <Outlet />
}

/** Any error a route throws: a plain page with a sentence, never a stack. */
export function ErrorBoundary() {
  const error = useRouteError()
  const notFound = isRouteErrorResponse(error) && error.status === 404
  if (!isRouteErrorResponse(error)) console.error(error)
  return (
    <main id="content">
      <title>{notFound ? "Not found · Overlap" : "Something went wrong · Overlap"}</title>
      <h1>{notFound ? "There is nothing here" : "Something went wrong"}</h1>
      <p>
        {notFound
          ? "This page does not exist. Check the link, or start from the front page."
          : "Something went wrong on our side. Nothing you did caused it; please reload the page."}
      </p>
      <p>
        <a href="/">Go to the front page</a>
      </p>
    </main>
  )
}
