// Local-dev only: where notifications land so a person (or `npm run demo`) can see them.
// - a webhook receiver on 127.0.0.1 that prints each Standard-Webhooks delivery and keeps the last
//   ones for GET /deliveries (headers and body, so a reader can verify the signature with its secret);
// - a printer for the e-mails the notify worker sends through `send_email`: wrangler dev saves each one
//   as an .eml file and logs its path; we print its From, To, Subject and calendar method, and keep the
//   last ones for the receiver's GET /emails (to, subject, method, the raw message) — `npm run demo` and
//   the end-to-end test read both people's mails there.
import { readFileSync } from "node:fs"
import http from "node:http"

export const startWebhookReceiver = (port, print = console.log, emails = []) =>
  new Promise((resolve, reject) => {
    const deliveries = []
    const server = http.createServer((req, res) => {
      if (req.method === "GET" && req.url === "/deliveries") {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify(deliveries))
        return
      }
      if (req.method === "GET" && req.url === "/emails") {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify(emails))
        return
      }
      const chunks = []
      req.on("data", (chunk) => chunks.push(chunk))
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8")
        const headers = {
          "webhook-id": req.headers["webhook-id"],
          "webhook-timestamp": req.headers["webhook-timestamp"],
          "webhook-signature": req.headers["webhook-signature"]
        }
        deliveries.push({ path: req.url, headers, body, receivedAt: new Date().toISOString() })
        if (deliveries.length > 200) deliveries.shift()
        let type = "?"
        try {
          type = JSON.parse(body).type ?? "?"
        } catch {}
        print(`  webhook ← ${req.url} ${type} (id ${headers["webhook-id"] ?? "none"}, signed: ${headers["webhook-signature"] ? "yes" : "no"})`)
        res.writeHead(204)
        res.end()
      })
    })
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve(server))
  })

const header = (eml, name) => new RegExp(`^${name}:\\s*(.*)$`, "im").exec(eml)?.[1]?.trim()

/** Feed it wrangler's output; it prints every e-mail the workers send and keeps the last 500 in `emails`. */
export const makeEmailPrinter = (print = console.log, emails = []) => {
  let expectPath = false
  return (text) => {
    for (const line of text.split("\n")) {
      if (line.includes("send_email binding called")) {
        expectPath = true
        continue
      }
      const path = line.trim()
      if (expectPath && path.endsWith(".eml")) {
        expectPath = false
        try {
          const eml = readFileSync(path, "utf8")
          const method = /text\/calendar;[^\n]*method=([A-Z]+)/i.exec(eml)?.[1] ?? "none"
          print(`  email   → ${header(eml, "To")} "${header(eml, "Subject")}" (invitation: ${method}) ${path}`)
          emails.push({ to: header(eml, "To"), subject: header(eml, "Subject"), method, path, eml })
          if (emails.length > 500) emails.shift()
        } catch (error) {
          print(`  email   → (could not read ${path}: ${error.message})`)
        }
      }
    }
  }
}
