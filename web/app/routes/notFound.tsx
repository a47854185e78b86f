import { data, type MetaFunction } from "react-router"

export const meta: MetaFunction = () => [{ title: "Not found · Overlap" }]

/** Any path no route claims: a 404 page (the status too, not only the words). */
export const loader = () => data(null, { status: 404 })

export default function NotFound() {
  return (
    <main id="content">
      <h1>There is nothing here</h1>
      <p>This page does not exist. Check the link, or start from the front page.</p>
      <p>
        <a href="/">Go to the front page</a>
      </p>
    </main>
  )
}
