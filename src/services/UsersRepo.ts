import type { Effect, Option } from "effect"
import { Context, Schema } from "effect"
import { Did, EpochMillis } from "../domain/identifiers"
import type { RepositoryError } from "./RepositoryError"

export const UserStatus = Schema.Literal("active", "deactivated", "deleted", "takendown")
export type UserStatus = typeof UserStatus.Type

/** A row of `users`. */
export class User extends Schema.Class<User>("User")({
  did: Did,
  handle: Schema.NullOr(Schema.String),
  pdsEndpoint: Schema.NullOr(Schema.String),
  status: UserStatus,
  createdAt: EpochMillis,
  updatedAt: EpochMillis
}) {}

/** What identity resolution tells us about an account. */
export const UserProfile = Schema.Struct({
  did: Did,
  handle: Schema.NullOr(Schema.String),
  pdsEndpoint: Schema.NullOr(Schema.String)
})
export type UserProfile = typeof UserProfile.Type

export class UserNotFound extends Schema.TaggedError<UserNotFound>()("UserNotFound", { did: Schema.String }) {}

export class UsersRepo extends Context.Tag("overlap/UsersRepo")<UsersRepo, {
  /** Creates the user as `active`, or refreshes handle and PDS endpoint; the status is kept. */
  readonly upsert: (profile: UserProfile) => Effect.Effect<User, RepositoryError>
  readonly get: (did: string) => Effect.Effect<Option.Option<User>, RepositoryError>
  readonly setStatus: (did: string, status: UserStatus) => Effect.Effect<User, UserNotFound | RepositoryError>
}>() {}
