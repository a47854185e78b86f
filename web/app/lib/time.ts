// Times as the visitor reads them: every instant is shown in one IANA zone (the visitor's, detected by the
// browser and changeable), with the host's zone beside it.

/** The browser's zone, or UTC when it cannot tell. */
export const detectedZone = (): string => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"
  } catch {
    return "UTC"
  }
}

/** Zones to choose from: the runtime's list, with the given ones first when missing from it. */
export const zoneChoices = (...always: ReadonlyArray<string>): ReadonlyArray<string> => {
  let all: ReadonlyArray<string> = []
  try {
    all = (Intl as unknown as { supportedValuesOf?: (key: string) => ReadonlyArray<string> }).supportedValuesOf?.("timeZone") ?? []
  } catch {
    all = []
  }
  return [...new Set([...always, ...all])]
}

/** YYYY-MM-DD of an instant in a zone (the key of the date strip). */
export const dayKey = (iso: string, zone: string): string => {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date(iso))
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? "00"
  return `${get("year")}-${get("month")}-${get("day")}`
}

/** "Tue 8 Dec" for a day key (read as that calendar date, whatever the zone). */
export const dayLabel = (key: string, locale?: string): { weekday: string; date: string } => {
  const date = new Date(`${key}T12:00:00Z`)
  return {
    weekday: new Intl.DateTimeFormat(locale, { weekday: "short", timeZone: "UTC" }).format(date),
    date: new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone: "UTC" }).format(date)
  }
}

/** "14:30" (or "2:30 PM", as the locale writes it) in a zone. */
export const timeLabel = (iso: string, zone: string, locale?: string): string =>
  new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit", timeZone: zone }).format(new Date(iso))

/** "Tue 8 Dec, 14:30" in a zone, with the zone's short name. */
export const dateTimeLabel = (iso: string, zone: string, locale?: string): string =>
  new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZone: zone, timeZoneName: "short" }).format(
    new Date(iso)
  )

/** Groups instants by their day in `zone`, days in order. */
export const byDay = <T extends { readonly start: string }>(slots: ReadonlyArray<T>, zone: string): ReadonlyArray<readonly [string, ReadonlyArray<T>]> => {
  const days = new Map<string, Array<T>>()
  for (const slot of [...slots].sort((a, b) => a.start.localeCompare(b.start))) {
    const key = dayKey(slot.start, zone)
    days.set(key, [...(days.get(key) ?? []), slot])
  }
  return [...days.entries()]
}
