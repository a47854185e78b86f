/**
 * Where to come back to after signing in: a path on this site only ("/@alice?start=…"), never another origin
 * ("//evil.example", "https://…", "/\\evil") — an open redirect would let a link sign someone in and send them away.
 */
export const safeReturnPath = (value: string | null | undefined): string => {
  if (value === null || value === undefined || value.length === 0 || value.length > 2000) return "/app"
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\") || /[\u0000-\u001f]/.test(value)) return "/app"
  return value
}
