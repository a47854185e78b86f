/** A person as messages name them: "Display Name (@handle)", "@handle", the display name alone, or nothing. */
export const personLabel = (name: { readonly displayName?: string | undefined; readonly handle?: string | undefined }): string | undefined => {
  const display = name.displayName?.replace(/[\u0000-\u001f\u007f]+/g, " ").replace(/\s+/g, " ").trim().slice(0, 64)
  const handle = name.handle !== undefined ? `@${name.handle}` : undefined
  if (display !== undefined && display !== "") return handle !== undefined ? `${display} (${handle})` : display
  return handle
}

/** The handle an `alsoKnownAs` entry names (`at://<handle>`), lower-cased; undefined when none is usable. */
export const handleOf = (alsoKnownAs: ReadonlyArray<string>): string | undefined => {
  for (const aka of alsoKnownAs) {
    if (!aka.startsWith("at://")) continue
    const handle = aka.slice("at://".length).toLowerCase()
    // https://atproto.com/specs/handle: a DNS name of at least two labels; handle.invalid is atproto's "none"
    if (/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(handle) && handle.length <= 253 && handle !== "handle.invalid") {
      return handle
    }
  }
  return undefined
}
