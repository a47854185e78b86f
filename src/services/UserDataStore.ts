import type { Effect } from "effect"
import { Context } from "effect"
import type { UserRef } from "../domain/account/userDataPlan"
import type { RepositoryError } from "./RepositoryError"

/** The export's D1 part: section name → rows (registered columns only, never a sealed one). */
export type ExportSections = Readonly<Record<string, ReadonlyArray<Readonly<Record<string, unknown>>>>>

/**
 * A person's rows in D1, by the registry (src/domain/account/userData.ts): read them for an export, remove them
 * for a deletion. The other stores (R2, KV, Durable Objects) are walked by the account feature.
 */
export class UserDataStore extends Context.Tag("overlap/UserDataStore")<UserDataStore, {
  readonly exportRows: (user: UserRef) => Effect.Effect<ExportSections, RepositoryError>
  /**
   * Deletes every `delete` / `expires` row and puts `pseudonym` in place of the DID in every `pseudonymize` column, in
   * one batch (all or nothing); answers how many rows changed.
   */
  readonly deleteRows: (user: UserRef, pseudonym: string) => Effect.Effect<number, RepositoryError>
}>() {}
