import http from "node:http"
import { type LocalAtproto, startLocalAtproto } from "../../scripts/localAtproto.mjs"

/**
 * Node side of the sign-in suite (vitest.signin.config.ts): a real PLC + PDS on the ports the config chose, and a
 * small endpoint through which the tests in workerd create accounts (`POST /account { name }` → { did, handle }).
 */
let network: LocalAtproto | undefined
let server: http.Server | undefined

export async function setup() {
  const ports = (globalThis as { __overlapSignInPorts?: Record<string, number> }).__overlapSignInPorts!
  network = await startLocalAtproto({ plcPort: ports.plc, pdsPort: ports.pds })
  server = http.createServer((req, res) => {
    let body = ""
    req.on("data", (c) => (body += c))
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/account") return void res.writeHead(404).end()
      const { name } = JSON.parse(body) as { name: string }
      network!.createAccount(name).then(
        (account) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ did: account.did, handle: account.handle })),
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
