import { Effect, Layer } from "effect"
import { GraphUnavailable, SocialGraph } from "../../services/SocialGraph"

/** A graph fixture: directed edges as `[from, to]` DIDs. */
export interface SocialGraphFixture {
  /** `[a, b]`: a follows b. */
  readonly follows?: ReadonlyArray<readonly [string, string]>
  /** `[a, b]`: a blocks b (directly or by list: the graph reports both the same way). */
  readonly blocks?: ReadonlyArray<readonly [string, string]>
  /** DIDs whose relationships cannot be read: any call involving them fails with GraphUnavailable. */
  readonly unavailable?: ReadonlyArray<string>
}

const edgeSet = (edges: ReadonlyArray<readonly [string, string]> = []) => new Set(edges.map(([a, b]) => JSON.stringify([a, b])))

/** In-memory `SocialGraph` over a fixed fixture, with the same reading of edges as the Live layer. */
export const makeSocialGraphTest = (fixture: SocialGraphFixture = {}): Layer.Layer<SocialGraph> => {
  const follows = edgeSet(fixture.follows)
  const blocks = edgeSet(fixture.blocks)
  const unavailable = new Set(fixture.unavailable ?? [])
  const has = (edges: Set<string>, a: string, b: string) => edges.has(JSON.stringify([a, b]))
  return Layer.succeed(
    SocialGraph,
    SocialGraph.of({
      relationship: (actor, other) =>
        unavailable.has(actor) || unavailable.has(other)
          ? Effect.fail(new GraphUnavailable({ message: "getRelationships: unavailable (test fixture)" }))
          : Effect.succeed({
            following: has(follows, actor, other),
            followedBy: has(follows, other, actor),
            blocking: has(blocks, actor, other),
            blockedBy: has(blocks, other, actor)
          })
    })
  )
}

export const SocialGraphTest = makeSocialGraphTest()
