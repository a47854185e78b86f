import { Effect } from "effect"

/**
 * Reads an HTTP body (a request we received or a response we fetched) as text, at most `maxBytes` and for at
 * most `timeoutMs`: a peer that sends a gigabyte, or sends its headers and then trickles or never ends its body,
 * costs a bounded amount of memory and time. Whatever is not read is canceled.
 */
export type BoundedText =
  | { readonly _tag: "Complete"; readonly text: string }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "TimedOut" }
  | { readonly _tag: "Failed" }

export interface BodyLimits {
  readonly maxBytes: number
  readonly timeoutMs: number
}

const read = async (body: ReadableStream<Uint8Array> | null, limits: BodyLimits): Promise<BoundedText> => {
  if (body === null) return { _tag: "Complete", text: "" }
  const reader = body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), limits.timeoutMs)))
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timedOut])
      if (next === "timeout") return { _tag: "TimedOut" }
      if (next.done) break
      size += next.value.byteLength
      if (size > limits.maxBytes) return { _tag: "TooLarge" }
      chunks.push(next.value)
    }
  } catch {
    return { _tag: "Failed" }
  } finally {
    clearTimeout(timer)
    reader.cancel().catch(() => undefined)
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  return { _tag: "Complete", text: new TextDecoder().decode(bytes) }
}

export const readBoundedText = (body: ReadableStream<Uint8Array> | null, limits: BodyLimits): Effect.Effect<BoundedText> =>
  Effect.promise(() => read(body, limits))

/** A declared Content-Length above `maxBytes` (refused before reading a byte); a missing or bad one is not. */
export const declaresMoreThan = (headers: Headers, maxBytes: number): boolean => {
  const declared = Number(headers.get("content-length"))
  return Number.isFinite(declared) && declared > maxBytes
}

/**
 * The fetch `Response` behind an `@effect/platform` client response (FetchHttpClient keeps it as `source`; a
 * scoped request wraps the response once more, as `original`), so its body can be read with `readBoundedText`
 * without Effect's Stream machinery. Undefined for a client that is not fetch-based.
 */
export const webResponseOf = (response: object): Response | undefined => {
  let current: unknown = response
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const { source, original } = current as { readonly source?: unknown; readonly original?: unknown }
    if (source instanceof Response) return source
    current = original
  }
  return undefined
}
