// Local development only: a stand-in for Cloudflare Turnstile's siteverify endpoint that answers the way
// Cloudflare documents its test secret keys (https://developers.cloudflare.com/turnstile/troubleshooting/testing/),
// so the anonymous booking flow runs end to end without calling Cloudflare:
//   1x0000000000000000000000000000000AA  always passes
//   2x0000000000000000000000000000000AA  always fails (invalid-input-response)
//   3x0000000000000000000000000000000AA  yields a "token already spent" error (timeout-or-duplicate)
// Any other secret is refused as invalid-input-secret. The response shape is siteverify's.
import http from "node:http"

export const TURNSTILE_TEST_SECRET = "1x0000000000000000000000000000000AA"

const verdict = (secret, token) => {
  if (!token) return { success: false, "error-codes": ["missing-input-response"] }
  if (secret === "1x0000000000000000000000000000000AA")
    return { success: true, "error-codes": [], challenge_ts: new Date().toISOString(), hostname: "example.com" }
  if (secret === "2x0000000000000000000000000000000AA") return { success: false, "error-codes": ["invalid-input-response"] }
  if (secret === "3x0000000000000000000000000000000AA") return { success: false, "error-codes": ["timeout-or-duplicate"] }
  return { success: false, "error-codes": ["invalid-input-secret"] }
}

/** Listens on 127.0.0.1:port (0: any free port) and answers POST /turnstile/v0/siteverify. */
export const startLocalTurnstile = (port = 0) =>
  new Promise((resolve, reject) => {
    const server = http.createServer((req, res) => {
      const chunks = []
      req.on("data", (chunk) => chunks.push(chunk))
      req.on("end", () => {
        if (req.method !== "POST" || !req.url?.startsWith("/turnstile/v0/siteverify")) {
          res.writeHead(404, { "content-type": "application/json" })
          return res.end(JSON.stringify({ success: false, "error-codes": ["not-found"] }))
        }
        const body = Buffer.concat(chunks).toString("utf8")
        const form = (req.headers["content-type"] ?? "").includes("json") ? new URLSearchParams(Object.entries(JSON.parse(body || "{}"))) : new URLSearchParams(body)
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify(verdict(form.get("secret"), form.get("response"))))
      })
    })
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject)
      resolve({ server, url: `http://127.0.0.1:${server.address().port}/turnstile/v0/siteverify` })
    })
  })
