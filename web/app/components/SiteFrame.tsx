/** The header and footer every page shares. `csrf` is the sign-in session's token: present when signed in. */
export function SiteHeader({ csrf }: { readonly csrf: string | undefined }) {
  return (
    <header className="site">
      <a className="brand" href="/">
        Overlap
      </a>
      <nav aria-label="Account" className="row" style={{ flex: "0 1 auto", alignItems: "center" }}>
        {csrf === undefined ? (
          <a href="/signin">Sign in</a>
        ) : (
          <>
            <a href="/app">Inbox</a>
            {/* sign-out (issue 13): a same-origin POST carrying the session's CSRF token */}
            <form method="post" action="/oauth/logout">
              <input type="hidden" name="csrf" value={csrf} />
              <button type="submit" className="secondary">
                Sign out
              </button>
            </form>
          </>
        )}
      </nav>
    </header>
  )
}

export function SiteFooter() {
  return (
    <footer className="site">
      <p>Overlap: private meeting scheduling on the AT Protocol. Your calendar stays yours.</p>
    </footer>
  )
}
