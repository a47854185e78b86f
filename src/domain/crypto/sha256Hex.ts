/** Lower-case hex SHA-256 of a string (idempotency keys for notifications that carry no id of their own; operator token digests). */
export const sha256Hex = async (text: string): Promise<string> => {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("")
}
