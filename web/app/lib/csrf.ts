// The sign-in session's CSRF token (issue 13, docs/signin.md): the AppView sets it as a readable cookie beside the
// HttpOnly session cookie; every state-changing request from this page echoes it in `x-overlap-csrf`.
export const CSRF_HEADER = "x-overlap-csrf"
const CSRF_COOKIES = ["__Host-overlap-csrf", "overlap-csrf"]

/** The CSRF token from a Cookie header (or document.cookie), if the visitor is signed in. */
export const csrfTokenOf = (cookieHeader: string | null | undefined): string | undefined => {
  for (const part of (cookieHeader ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=")
    if (name !== undefined && CSRF_COOKIES.includes(name) && value.join("=").length > 0) return value.join("=")
  }
  return undefined
}

/** Headers for a state-changing call from the browser. */
export const csrfHeaders = (): Record<string, string> => {
  const token = typeof document === "undefined" ? undefined : csrfTokenOf(document.cookie)
  return token === undefined ? {} : { [CSRF_HEADER]: token }
}
