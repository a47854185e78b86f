import { timingSafeEqual } from "../crypto/timingSafeEqual"

/** How long a download link works. */
export const EXPORT_LINK_TTL_MS = 24 * 60 * 60_000
/** An export id: what `exportIdOf` makes (time + random), nothing a path could escape with. */
export const EXPORT_ID = /^[0-9a-z]{8,40}$/

/** The files of an export: the JSON bundle and the person's meetings as iCalendar. */
export const EXPORT_FILES = ["bundle.json", "meetings.ics"] as const
export type ExportFile = (typeof EXPORT_FILES)[number]

export interface ExportLink {
  readonly did: string
  readonly exportId: string
  readonly file: ExportFile
  readonly expiresAt: number
}

const encoder = new TextEncoder()
const base64url = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")

const hmac = async (secret: string, message: string) => {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
  return base64url(await crypto.subtle.sign("HMAC", key, encoder.encode(message)))
}

const message = (link: ExportLink) => `overlap-export\n${link.did}\n${link.exportId}\n${link.file}\n${link.expiresAt}`

/** A new export id: milliseconds in base 36 and 80 random bits. */
export const exportIdOf = (nowMs: number): string =>
  `${nowMs.toString(36)}${[...crypto.getRandomValues(new Uint8Array(10))].map((b) => b.toString(16).padStart(2, "0")).join("")}`

/** The query string of a download link: `did`, `exp`, `sig` (HMAC-SHA256 over both, the export id and the file). */
export const signExportLink = async (secret: string, link: ExportLink): Promise<string> =>
  new URLSearchParams({ did: link.did, exp: String(link.expiresAt), sig: await hmac(secret, message(link)) }).toString()

/** The link a query string names, when its signature holds and it has not expired; otherwise why not. */
export const verifyExportLink = async (
  secret: string,
  exportId: string,
  file: string,
  query: URLSearchParams,
  nowMs: number
): Promise<{ readonly ok: true; readonly link: ExportLink } | { readonly ok: false; readonly reason: "malformed" | "signature" | "expired" }> => {
  const did = query.get("did")
  const exp = Number(query.get("exp"))
  const sig = query.get("sig")
  if (!EXPORT_ID.test(exportId) || !(EXPORT_FILES as ReadonlyArray<string>).includes(file) || did === null || !/^did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}$/.test(did) || !Number.isSafeInteger(exp) || sig === null) {
    return { ok: false, reason: "malformed" }
  }
  const link = { did, exportId, file: file as ExportFile, expiresAt: exp }
  if (!timingSafeEqual(await hmac(secret, message(link)), sig)) return { ok: false, reason: "signature" }
  if (exp <= nowMs) return { ok: false, reason: "expired" }
  return { ok: true, link }
}
