import http from "node:http"
import { type LocalAccount, type LocalAtproto, startLocalAtproto } from "../../scripts/localAtproto.mjs"

/**
 * Node side of the sign-in suite (vitest.signin.config.ts): a real PLC + PDS on the ports the config chose, and a
 * small endpoint through which the tests in workerd create accounts (`POST /account { name }` → { did, handle }) and
 * get service-auth tokens their PDS mints (`POST /serviceAuth { did, aud, lxm }` → { token }) or change an account's
 * handle (`POST /updateHandle { did, handle }`).
 */
let network: LocalAtproto | undefined
let server: http.Server | undefined
const accounts = new Map<string, LocalAccount>()

export async function setup() {
  const ports = (globalThis as { __overlapSignInPorts?: Record<string, number> }).__overlapSignInPorts!
  network = await startLocalAtproto({ plcPort: ports.plc, pdsPort: ports.pds })
  server = http.createServer((req, res) => {
    let body = ""
    req.on("data", (c) => (body += c))
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/updateHandle") {
        // the account moves to another handle (its DID document changes at the PLC)
        const { did, handle } = JSON.parse(body) as { did: string; handle: string }
        const account = accounts.get(did)
        if (account === undefined) return void res.writeHead(404).end("no such account")
        account.agent.com.atproto.identity.updateHandle({ handle }).then(
          () => res.writeHead(200, { "content-type": "application/json" }).end("{}"),
          (error) => res.writeHead(500).end(String(error))
        )
        return
      }
      if (req.method === "POST" && req.url === "/serviceAuth") {
        // a real service-auth token minted by the account's PDS (com.atproto.server.getServiceAuth)
        const { did, aud, lxm } = JSON.parse(body) as { did: string; aud: string; lxm: string }
        const account = accounts.get(did)
        if (account === undefined) return void res.writeHead(404).end("no such account")
        account.agent.com.atproto.server.getServiceAuth({ aud, lxm }).then(
          (answer) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: answer.data.token })),
          (error) => res.writeHead(500).end(String(error))
        )
        return
      }
      if (req.method !== "POST" || req.url !== "/account") return void res.writeHead(404).end()
      const { name } = JSON.parse(body) as { name: string }
      network!.createAccount(name).then(
        (account) => {
          accounts.set(account.did, account)
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ did: account.did, handle: account.handle }))
        },
        (error) => res.writeHead(500).end(String(error))
      )
    })
  })
  await new Promise<void>((resolve) => server!.listen(ports.client, "127.0.0.1", resolve))
}

export async function teardown() {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  await network?.close()
}
