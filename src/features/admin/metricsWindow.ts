import type { QueryWindow } from "../../domain/metrics/metricQuery"

/** The windows the console offers: a name, its length and the chart bucket. */
export const WINDOWS: Readonly<Record<string, QueryWindow & { readonly label: string }>> = {
  "1h": { minutes: 60, bucketMinutes: 2, label: "last hour" },
  "6h": { minutes: 360, bucketMinutes: 10, label: "last 6 hours" },
  "24h": { minutes: 1_440, bucketMinutes: 30, label: "last 24 hours" },
  "7d": { minutes: 10_080, bucketMinutes: 180, label: "last 7 days" }
}

/** The `window` parameter: absent = `fallback`; anything not offered is undefined (the caller answers 400). */
export const windowOf = (value: string | null, fallback: keyof typeof WINDOWS & string): { readonly name: string; readonly window: QueryWindow & { readonly label: string } } | undefined => {
  const name = value === null || value === "" ? fallback : value
  const window = Object.hasOwn(WINDOWS, name) ? WINDOWS[name] : undefined
  return window === undefined ? undefined : { name, window }
}

export const WINDOW_PROBLEM = `window: one of ${Object.keys(WINDOWS).join(", ")}`
