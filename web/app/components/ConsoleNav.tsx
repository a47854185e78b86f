/** The console's sections. */
const SECTIONS = [
  { id: "inbox", href: "/app", label: "Inbox" },
  { id: "availability", href: "/app/availability", label: "Availability" },
  { id: "rules", href: "/app/rules", label: "Rules & time off" },
  { id: "calendars", href: "/app/calendars", label: "Calendars" },
  { id: "settings", href: "/app/settings", label: "Settings" },
  { id: "account", href: "/app/account", label: "Account" }
] as const

export function ConsoleNav({ current }: { readonly current: (typeof SECTIONS)[number]["id"] }) {
  return (
    <nav aria-label="Console" className="row" style={{ gap: 16 }}>
      {SECTIONS.map((section) => (
        <a key={section.id} href={section.href} aria-current={section.id === current ? "page" : undefined} style={{ flex: "0 0 auto" }}>
          {section.label}
        </a>
      ))}
    </nav>
  )
}
