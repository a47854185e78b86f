/**
 * String equality whose running time depends only on the lengths, not on where the strings differ, for
 * comparing secrets (push channel tokens, Graph clientState). workerd's `crypto.subtle.timingSafeEqual`
 * is not in Node, so this is the portable version.
 */
export const timingSafeEqual = (a: string, b: string): boolean => {
  const left = new TextEncoder().encode(a)
  const right = new TextEncoder().encode(b)
  const n = Math.max(left.length, right.length)
  let diff = left.length ^ right.length
  for (let i = 0; i < n; i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0)
  return diff === 0
}
