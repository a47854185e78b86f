/** The header and footer every page shares. */
export function SiteHeader() {
  return (
    <header className="site">
      <a className="brand" href="/">
        Overlap
      </a>
      <nav aria-label="Account">
        {/* SIGN-IN (issue 13): once the session is readable, show "Console" and "Sign out" to a signed-in visitor */}
        <a href="/signin">Sign in</a>
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
