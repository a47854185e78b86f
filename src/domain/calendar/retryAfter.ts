/**
 * `Retry-After` (RFC 9110 §10.2.3) as a delay in milliseconds from `now`: either delay-seconds or an
 * HTTP-date. Undefined when absent or unreadable; never negative.
 */
export const parseRetryAfter = (value: string | null | undefined, now: number): number | undefined => {
  if (value === null || value === undefined) return undefined
  const text = value.trim()
  if (text === "") return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}
