import type { Effect } from "effect"
import { Context, Schema } from "effect"
import type { LinkAction, LinkClaim } from "../domain/notify/actionLink"
import type { RepositoryError } from "./RepositoryError"

/** Not a link we made, or made for another action or person (the token does not open). */
export class LinkInvalid extends Schema.TaggedError<LinkInvalid>()("LinkInvalid", {}) {}
/** The link's time ran out. */
export class LinkExpired extends Schema.TaggedError<LinkExpired>()("LinkExpired", {}) {}
/** The link was used before. */
export class LinkUsed extends Schema.TaggedError<LinkUsed>()("LinkUsed", {}) {}

export type LinkError = LinkInvalid | LinkExpired | LinkUsed

/** A link opened: who it is for, what it does, and what its sealed claim says. */
export interface OpenedLink {
  readonly action: LinkAction
  readonly did: string
  readonly claim: LinkClaim
}

/**
 * The signed one-click links of messages (domain/notify/actionLink.ts): made by the sender, opened by the
 * AppView's /act/ route. `check` opens a link without using it (the page that asks "confirm?"); `use`
 * opens it and records it as used, atomically, so of two uses only the first succeeds.
 */
export class ActionLinks extends Context.Tag("overlap/ActionLinks")<ActionLinks, {
  readonly mint: (
    did: string,
    action: LinkAction,
    claim: Omit<LinkClaim, "e" | "n">
  ) => Effect.Effect<string, RepositoryError>
  readonly check: (url: URL) => Effect.Effect<OpenedLink, LinkError | RepositoryError>
  readonly use: (url: URL) => Effect.Effect<OpenedLink, LinkError | RepositoryError>
}>() {}
