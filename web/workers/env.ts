/** The web Worker's bindings (web/wrangler.jsonc). */
export interface WebEnv {
  /** The AppView worker (service binding): XRPC, sign-in and calendar OAuth routes. */
  readonly APPVIEW: Fetcher
  readonly ENVIRONMENT: string
  /** Turnstile site key for anonymous visitors (the widget); Cloudflare's test key in development. */
  readonly TURNSTILE_SITE_KEY: string
  /** Handle the front page offers to try in development; empty hides the suggestion. */
  readonly DEMO_HANDLE: string
  /** Resolves booking-page handles to DIDs (`com.atproto.identity.resolveHandle`). */
  readonly HANDLE_RESOLVER_URL: string
}

declare module "react-router" {
  interface AppLoadContext {
    readonly cloudflare: { readonly env: WebEnv; readonly ctx: ExecutionContext }
  }
}
