import { Effect, Schema } from "effect"

/**
 * A repository could not do its work: the database refused or failed the statement, or a row did
 * not decode. Never a domain outcome (those have their own tagged errors, e.g. BookingNotFound).
 */
export class RepositoryError extends Schema.TaggedError<RepositoryError>()("RepositoryError", {
  operation: Schema.String,
  cause: Schema.Defect
}) {}

/** Folds every failure of a repository statement (SqlError, ParseError, …) into a RepositoryError. */
export const orRepositoryError =
  (operation: string) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, RepositoryError, R> =>
    Effect.mapError(self, (cause) => new RepositoryError({ operation, cause }))

/**
 * Checks a repository input against its schema before anything is written, so that Live and Test
 * refuse the same inputs the same way (the SQL CHECK constraints stay as the last line).
 */
export const validateInput = <A, I>(schema: Schema.Schema<A, I>, operation: string) => (input: A): Effect.Effect<A, RepositoryError> =>
  Schema.validate(schema)(input).pipe(orRepositoryError(operation))
