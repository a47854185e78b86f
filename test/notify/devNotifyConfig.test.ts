import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { parse } from "smol-toml"
import { afterAll, describe, expect, it } from "vitest"
import { writeDevNotifyConfig } from "../../scripts/chatStandIn.mjs"

// npm run dev gives the notify worker its DM sender through a copy of wrangler.notify.toml (--var reaches only the
// first config): the copy must be wrangler.notify.toml with exactly the four DM settings changed.
const dir = mkdtempSync(path.join(tmpdir(), "overlap-devnotify-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("the dev copy of wrangler.notify.toml", () => {
  it("sets the DM sender and the chat proxy and keeps everything else", async () => {
    copyFileSync(path.join(import.meta.dirname, "../../wrangler.notify.toml"), path.join(dir, "wrangler.notify.toml"))
    const name = await writeDevNotifyConfig(dir, {
      did: "did:plc:sendersendersendersender",
      pds: "http://127.0.0.1:2583",
      password: "pass\"word",
      proxy: "did:web:localhost%3A2585#bsky_chat"
    })
    const original = parse(readFileSync(path.join(dir, "wrangler.notify.toml"), "utf8")) as Record<string, any>
    const copy = parse(readFileSync(path.join(dir, name), "utf8")) as Record<string, any>
    expect(copy.vars).toEqual({
      ...original.vars,
      DM_SENDER_DID: "did:plc:sendersendersendersender",
      DM_SENDER_PDS: "http://127.0.0.1:2583",
      DM_SENDER_APP_PASSWORD: "pass\"word",
      CHAT_SERVICE_PROXY: "did:web:localhost%3A2585#bsky_chat"
    })
    const { vars: _a, ...rest } = copy
    const { vars: _b, ...restOriginal } = original
    expect(rest).toEqual(restOriginal)
  })
})
