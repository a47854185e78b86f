export interface ChatMessage {
  readonly id: string
  readonly convoId: string
  /** The sender's DID (from the PDS's service-auth JWT). */
  readonly sender: string
  /** The other members of the conversation. */
  readonly recipients: ReadonlyArray<string>
  readonly text: string
  readonly sentAt: string
}

export interface ChatStandIn {
  /** did:web:localhost%3A<port> */
  readonly did: string
  /** The CHAT_SERVICE_PROXY value: `<did>#bsky_chat`. */
  readonly proxy: string
  /** http://127.0.0.1:<port> */
  readonly url: string
  /** Every message sent so far (also GET <url>/messages). */
  readonly messages: ReadonlyArray<ChatMessage>
  readonly close: () => Promise<void>
}

export declare function startChatStandIn(options: { readonly port?: number; readonly plcUrl: string }): Promise<ChatStandIn>

/** Writes `.wrangler.notify.dev.toml` (wrangler.notify.toml with the DM sender set) in `root`; returns its name. */
export declare function writeDevNotifyConfig(
  root: string,
  sender: { readonly did: string; readonly pds: string; readonly password: string; readonly proxy: string }
): Promise<string>
