/**
 * Whose token a ciphertext is. It is authenticated (AES-GCM additional data) but not encrypted, so a
 * ciphertext copied to another user's or another connector's row does not decrypt there.
 */
export interface TokenBinding {
  readonly did: string
  readonly provider: string
  readonly connectorId: string
}
