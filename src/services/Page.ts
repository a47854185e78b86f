import { HttpApiSchema } from "@effect/platform"
import { Effect, Option, Schema } from "effect"

/** One page of a keyset-paginated listing; `cursor` is present when more items may follow. */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly cursor: Option.Option<string>
}

/** A cursor that this service did not issue (or that was tampered with). */
export class InvalidCursor extends Schema.TaggedError<InvalidCursor>()(
  "InvalidCursor",
  { cursor: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {
  constructor(props: { readonly cursor: string; readonly message?: string }, options?: Schema.MakeOptions) {
    super({ ...props, message: props.message ?? "cursor: not a cursor this service issued" }, options)
  }
}

/** Most rows a listing returns at once, whatever the caller asks for. */
export const maxPageSize = 100

export const clampLimit = (limit: number): number =>
  Math.max(1, Math.min(maxPageSize, Math.floor(Number.isFinite(limit) ? limit : maxPageSize)))

/**
 * The position after which a page continues: the sort key of the last item shown, e.g.
 * (created_at, id). Opaque to callers: base64url of a JSON pair.
 */
export type PageKey = readonly [number, string]

const CursorCodec = Schema.compose(
  Schema.StringFromBase64Url,
  Schema.parseJson(Schema.Tuple(Schema.Int, Schema.String))
)

export const encodeCursor = (key: PageKey): string => Schema.encodeSync(CursorCodec)([key[0], key[1]])

export const decodeCursor = (cursor: string): Effect.Effect<PageKey, InvalidCursor> =>
  Schema.decodeUnknown(CursorCodec)(cursor).pipe(Effect.mapError(() => new InvalidCursor({ cursor })))

/** Decodes an optional cursor; absent means "from the start". */
export const decodeOptionalCursor = (
  cursor: string | undefined
): Effect.Effect<Option.Option<PageKey>, InvalidCursor> =>
  cursor === undefined ? Effect.succeedNone : Effect.asSome(decodeCursor(cursor))

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only tells that another page exists,
 * so the last page never carries a cursor that leads nowhere.
 */
export const toPage = <A>(rows: ReadonlyArray<A>, limit: number, keyOf: (a: A) => PageKey): Page<A> => {
  if (rows.length <= limit) return { items: rows, cursor: Option.none() }
  const items = rows.slice(0, limit)
  return { items, cursor: Option.some(encodeCursor(keyOf(items[items.length - 1]!))) }
}
