import type { AtpAgent } from "@atproto/api"

export interface LocalAtprotoOptions {
  /** Port of the PLC directory on 127.0.0.1 (default: any free port). */
  readonly plcPort?: number
  /** Port of the PDS on 127.0.0.1 (default: any free port). */
  readonly pdsPort?: number
  /** Directory for the PDS's sqlite files and blobs. Default: a fresh temp dir, removed by close(); a given one is kept. */
  readonly dataDir?: string
}

export interface LocalAccount {
  readonly did: string
  readonly handle: string
  /** Logged in as this account. */
  readonly agent: AtpAgent
}

export interface LocalAtproto {
  /** e.g. http://localhost:2582 — resolves did:plc at `${plcUrl}/${did}` */
  readonly plcUrl: string
  /** e.g. http://localhost:2583 — also the #atproto_pds endpoint in its accounts' DID documents, and the OAuth issuer */
  readonly pdsUrl: string
  /** The PDS admin password (Basic auth user "admin"). */
  readonly adminPassword: string
  /** The password of every account createAccount makes (sign in with handle + this on the PDS's OAuth pages). */
  readonly accountPassword: string
  /**
   * The account whose repo publishes lexicons/ as com.atproto.lexicon.schema records (rkey = NSID); the PDS's
   * lexicon authority (PDS_LEXICON_AUTHORITY_DID) points at it, so `include:app.overlap.authFull` resolves.
   */
  readonly lexiconAuthority: { readonly did: string; readonly handle: string }
  /** NSID of Overlap's OAuth permission set: request `include:${permissionSet}?aud=<AppView DID>%23overlap_appview`. */
  readonly permissionSet: "app.overlap.authFull"
  /** Process id of the PDS (a Node 22 child process; it exits when this process does). */
  readonly pdsPid: number | undefined
  /** Creates an account; a bare name gets the `.test` handle domain ("alice" → "alice.test"). */
  readonly createAccount: (handle: string) => Promise<LocalAccount>
  /** Every record of a collection in a repo, read from the PDS's store (over IPC, cached until that repo's next write); undefined if the repo is not hosted there. CIDs inside values arrive as { $link }. */
  readonly readRecords: (did: string, collection: string) => Promise<ReadonlyArray<{ uri: string; cid: string; value: any }> | undefined>
  /** Stops both servers (the PDS process exits) and removes the temp dir. */
  readonly close: () => Promise<void>
}

export declare function startLocalAtproto(options?: LocalAtprotoOptions): Promise<LocalAtproto>
