/**
 * The OAuth scopes Overlap asks a person's PDS for (atproto permissions, https://atproto.com/specs/permission).
 * Preferred: the permission set `app.overlap.authFull` (`include:`), which the person's PDS shows as one
 * human-readable grant. A PDS that cannot resolve the set gets the same permissions spelled out.
 */

/** The collections Overlap writes to a person's own repo. */
export const OVERLAP_COLLECTIONS = ["app.overlap.slotOffer", "app.overlap.booking", "app.overlap.bookingRequest"] as const

export const PERMISSION_SET = "app.overlap.authFull"

/** `aud` of the rpc permissions: the AppView's service, e.g. `did:web:overlap.app#overlap_appview`. */
export const appviewAudience = (appviewDid: string, serviceId: string): string => `${appviewDid}${serviceId}`

const encodeAud = (aud: string) => encodeURIComponent(aud)

/** `include:app.overlap.authFull?aud=…`. */
export const permissionSetScope = (aud: string): string => `include:${PERMISSION_SET}?aud=${encodeAud(aud)}`

/** The same permissions without the set: repo: per collection, rpc: for the AppView's methods. */
export const explicitScopes = (aud: string): ReadonlyArray<string> => [
  ...OVERLAP_COLLECTIONS.map((collection) => `repo:${collection}`),
  `rpc:*?aud=${encodeAud(aud)}`
]

export const EMAIL_SCOPE = "transition:email"

/** The scope a sign-in requests: with the set or spelled out, with e-mail only when the person opts in. */
export const requestedScope = (aud: string, options: { readonly permissionSet: boolean; readonly email: boolean }): string =>
  ["atproto", ...(options.permissionSet ? [permissionSetScope(aud)] : explicitScopes(aud)), ...(options.email ? [EMAIL_SCOPE] : [])].join(" ")

/** Every scope the client may request (client metadata `scope`): a request must be a subset of it. */
export const clientScope = (aud: string): string =>
  ["atproto", permissionSetScope(aud), ...explicitScopes(aud), EMAIL_SCOPE].join(" ")
