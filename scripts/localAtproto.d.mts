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
  /** e.g. http://localhost:2583 — also the #atproto_pds endpoint in its accounts' DID documents */
  readonly pdsUrl: string
  /** The PDS admin password (Basic auth user "admin"). */
  readonly adminPassword: string
  /** Creates an account; a bare name gets the `.test` handle domain ("alice" → "alice.test"). */
  readonly createAccount: (handle: string) => Promise<LocalAccount>
  /** Every record of a collection in a repo, read in process from the PDS's store; undefined if the repo is not hosted there. */
  readonly readRecords: (did: string, collection: string) => Promise<ReadonlyArray<{ uri: string; cid: string; value: any }> | undefined>
  /** Stops both servers and removes the temp dir. */
  readonly close: () => Promise<void>
}

export declare function startLocalAtproto(options?: LocalAtprotoOptions): Promise<LocalAtproto>
