import { HashMap, Option } from "effect"

/**
 * The in-memory twin of the rev guard in the Live layers (ON CONFLICT … WHERE excluded.rev > rev,
 * plus `record_tombstones`), shared by the Test layers of firehose-indexed records.
 */
export interface RevGuardedRecords<A extends { readonly uri: string; readonly rev: string }> {
  readonly rows: HashMap.HashMap<string, A>
  /** uri → rev of the newest delete seen */
  readonly tombstones: HashMap.HashMap<string, string>
}

export const empty = <A extends { readonly uri: string; readonly rev: string }>(): RevGuardedRecords<A> => ({
  rows: HashMap.empty(),
  tombstones: HashMap.empty()
})

/** Applies a create/update at `rev` when it is newer than the row and any delete; `make` builds the row. */
export const upsert = <A extends { readonly uri: string; readonly rev: string }>(
  state: RevGuardedRecords<A>,
  uri: string,
  rev: string,
  make: (existing: Option.Option<A>) => A
): readonly [boolean, RevGuardedRecords<A>] => {
  const deletedAt = HashMap.get(state.tombstones, uri)
  if (Option.isSome(deletedAt) && deletedAt.value >= rev) return [false, state]
  const existing = HashMap.get(state.rows, uri)
  if (Option.isSome(existing) && !(rev > existing.value.rev)) return [false, state]
  return [true, { ...state, rows: HashMap.set(state.rows, uri, make(existing)) }]
}

/** Applies a delete at `rev`: tombstone it, and remove the row unless the row is newer. */
export const remove = <A extends { readonly uri: string; readonly rev: string }>(
  state: RevGuardedRecords<A>,
  uri: string,
  rev: string
): readonly [boolean, RevGuardedRecords<A>] => {
  const tombstones = Option.match(HashMap.get(state.tombstones, uri), {
    onNone: () => HashMap.set(state.tombstones, uri, rev),
    onSome: (r) => rev > r ? HashMap.set(state.tombstones, uri, rev) : state.tombstones
  })
  const existing = HashMap.get(state.rows, uri)
  const removed = Option.isSome(existing) && existing.value.rev < rev
  return [removed, { rows: removed ? HashMap.remove(state.rows, uri) : state.rows, tombstones }]
}

/**
 * Rewrites (Some) or removes (None) every row that `matches`, as an UPDATE/DELETE … WHERE would.
 * Returns how many rows were touched.
 */
export const updateWhere = <A extends { readonly uri: string; readonly rev: string }>(
  state: RevGuardedRecords<A>,
  matches: (row: A) => boolean,
  change: (row: A) => Option.Option<A>
): readonly [number, RevGuardedRecords<A>] => {
  let touched = 0
  let rows = state.rows
  for (const row of HashMap.values(state.rows)) {
    if (!matches(row)) continue
    touched++
    rows = Option.match(change(row), {
      onNone: () => HashMap.remove(rows, row.uri),
      onSome: (next) => HashMap.set(rows, row.uri, next)
    })
  }
  return [touched, { ...state, rows }]
}
