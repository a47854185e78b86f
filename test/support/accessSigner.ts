// A local Cloudflare Access signer for workerd tests of the operator console: an RS256 key whose JWKS a test serves at
// the team's real certs URL (fetchMock), and Access JWTs signed with it.
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose"

export const ACCESS_TEAM = "overlap-test"
export const ACCESS_ISSUER = `https://${ACCESS_TEAM}.cloudflareaccess.com`
export const ACCESS_AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2"

export interface AccessSigner {
  readonly privateKey: CryptoKey
  readonly jwk: JWK
}

export const accessSigner = async (kid: string): Promise<AccessSigner> => {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true })
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } }
}

/** An Access application token for an operator, valid for 10 minutes. */
export const accessToken = (key: AccessSigner): Promise<string> => {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ email: "operator@example.test", type: "app" })
    .setProtectedHeader({ alg: "RS256", kid: key.jwk.kid! })
    .setSubject("7335d417-61da-459d-899c-0a01c76a2c94")
    .setIssuer(ACCESS_ISSUER)
    .setAudience(ACCESS_AUD)
    .setIssuedAt(now - 60)
    .setExpirationTime(now + 600)
    .sign(key.privateKey)
}
