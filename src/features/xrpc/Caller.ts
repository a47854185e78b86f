import { Context } from "effect"

/** The authenticated caller of an XRPC method: the `iss` of a verified service-auth token. */
export class Caller extends Context.Tag("overlap/Caller")<Caller, { readonly did: string }>() {}
