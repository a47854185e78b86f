// Local-dev only: the one Bluesky AppView query the Overlap AppView uses for policy tiers,
// app.bsky.graph.getRelationships, answered from the follow and block records in the local PDS.
// Local accounts exist only on the local PDS, so the public Bluesky AppView cannot know them (and the
// machine may be offline); `npm run dev` points BSKY_APPVIEW_URL here. A follow is a real
// app.bsky.graph.follow record written to the PDS; nothing here is invented. The records are read from the
// PDS's own store in this process (`readRecords` of scripts/localAtproto.mjs): exact as of the request, and
// without four listRecords round trips per question, which a burst of matches turned into the bottleneck.
import http from "node:http"

const recordFor = (records, subject) => records?.find((r) => r.value?.subject === subject)?.uri

const relationships = async (readRecords, actor, others) => {
  const [actorFollows, actorBlocks] = await Promise.all([readRecords(actor, "app.bsky.graph.follow"), readRecords(actor, "app.bsky.graph.block")])
  if (actorFollows === undefined) return undefined
  return Promise.all(others.map(async (other) => {
    const [otherFollows, otherBlocks] = await Promise.all([readRecords(other, "app.bsky.graph.follow"), readRecords(other, "app.bsky.graph.block")])
    if (otherFollows === undefined) return { $type: "app.bsky.graph.defs#notFoundActor", actor: other, notFound: true }
    const view = { $type: "app.bsky.graph.defs#relationship", did: other }
    const following = recordFor(actorFollows, other)
    const followedBy = recordFor(otherFollows, actor)
    const blocking = recordFor(actorBlocks, other)
    const blockedBy = recordFor(otherBlocks, actor)
    return { ...view, ...(following && { following }), ...(followedBy && { followedBy }), ...(blocking && { blocking }), ...(blockedBy && { blockedBy }) }
  }))
}

/** Starts the server on 127.0.0.1:port (0 = any free port) over `readRecords(did, collection)`; resolves to the http.Server. */
export const startLocalGraph = (port, readRecords) =>
  new Promise((resolve, reject) => {
    const server = http.createServer(async (req, res) => {
      const send = (status, body) => {
        res.writeHead(status, { "content-type": "application/json" })
        res.end(JSON.stringify(body))
      }
      const url = new URL(req.url ?? "/", "http://localhost")
      if (url.pathname !== "/xrpc/app.bsky.graph.getRelationships") return send(501, { error: "MethodNotImplemented", message: "only app.bsky.graph.getRelationships" })
      const actor = url.searchParams.get("actor")
      const others = url.searchParams.getAll("others")
      if (!actor) return send(400, { error: "InvalidRequest", message: "actor: required" })
      try {
        const found = await relationships(readRecords, actor, others)
        if (found === undefined) return send(400, { error: "ActorNotFound", message: "actor not found" })
        send(200, { actor, relationships: found })
      } catch (error) {
        send(502, { error: "UpstreamFailure", message: String(error) })
      }
    })
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve(server))
  })
