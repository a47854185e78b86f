import { Secp256k1Keypair } from "@atproto/crypto"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ChatStandIn, startChatStandIn } from "../../scripts/chatStandIn.mjs"
import { type LocalAccount, type LocalAtproto, startLocalAtproto } from "../../scripts/localAtproto.mjs"
import { makeDmChannel } from "../../src/adapters/channels/DmChannelLive"
import type { DmTask } from "../../src/domain/notify/task"
import { bookingEvent } from "./fixtures"

// Issue 16 item 3: Bluesky DMs the way the real services carry them, with no network. The DM channel the notify
// worker uses (makeDmChannel: createSession, then chat.bsky.convo.getConvoForMembers + sendMessage with
// `atproto-proxy`) talks to the real local PDS; the PDS resolves the proxy's did:web to the chat stand-in
// (scripts/chatStandIn.mjs) and forwards each call with a service-auth JWT it signs for the sender, which the
// stand-in verifies (key from the sender's DID document in the local PLC, aud, lxm) before it answers.

let network: LocalAtproto
let chat: ChatStandIn
let sender: LocalAccount, guest: LocalAccount

beforeAll(async () => {
  network = await startLocalAtproto()
  chat = await startChatStandIn({ plcUrl: network.plcUrl })
  ;[sender, guest] = await Promise.all([network.createAccount("dmsender"), network.createAccount("dmguest")])
}, 60_000)

afterAll(async () => {
  await Promise.all([chat?.close(), network?.close()])
})

const task = (recipient: string): DmTask => ({
  channel: "dm",
  id: "bk_dm:1:booking.confirmed",
  target: recipient,
  recipientDid: recipient,
  event: bookingEvent({ bookingId: "bk_dm", guestDid: recipient, guestName: "@dmguest.test", hostName: "Host Person" })
})

describe("Bluesky DMs through the real local PDS to the chat stand-in", () => {
  it("a DM arrives from the sender to the recipient, proxied with service auth", async () => {
    const channel = await Effect.runPromise(makeDmChannel({ did: sender.did, pds: network.pdsUrl, appPassword: network.accountPassword, proxy: chat.proxy }))
    expect(await Effect.runPromise(channel.send(task(guest.did)))).toBe("sent")
    expect(chat.messages).toHaveLength(1)
    expect(chat.messages[0]).toMatchObject({ sender: sender.did, recipients: [guest.did] })
    expect(chat.messages[0]!.text).toContain("Your meeting with Host Person is confirmed")
    // the stand-in's own answer to a call without the PDS's service auth: refused
    const direct = await fetch(`${chat.url}/xrpc/chat.bsky.convo.getConvoForMembers?members=${sender.did}&members=${guest.did}`)
    expect(direct.status).toBe(401)
    expect(await direct.json()).toMatchObject({ error: "AuthMissing" })
    // a token in the sender's name signed by another key: refused
    const forger = await Secp256k1Keypair.create()
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
    const unsigned = `${part({ typ: "JWT", alg: "ES256K" })}.${part({ iss: sender.did, aud: chat.did, lxm: "chat.bsky.convo.getConvoForMembers", exp: Math.floor(Date.now() / 1000) + 60 })}`
    const forged = `${unsigned}.${Buffer.from(await forger.sign(new TextEncoder().encode(unsigned))).toString("base64url")}`
    const refused = await fetch(`${chat.url}/xrpc/chat.bsky.convo.getConvoForMembers?members=${sender.did}&members=${guest.did}`, {
      headers: { authorization: `Bearer ${forged}` }
    })
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ error: "InvalidToken", message: "bad signature" })
  })

  it("a wrong password or a proxy to another service is a failed send, and nothing arrives", async () => {
    const before = chat.messages.length
    const wrongPassword = await Effect.runPromise(makeDmChannel({ did: sender.did, pds: network.pdsUrl, appPassword: "not-the-password", proxy: chat.proxy }))
    expect(await Effect.runPromise(Effect.flip(wrongPassword.send(task(guest.did))))).toMatchObject({ _tag: "SendFailed" })
    const elsewhere = await Effect.runPromise(makeDmChannel({ did: sender.did, pds: network.pdsUrl, appPassword: network.accountPassword, proxy: `${chat.did}#not_chat` }))
    expect(await Effect.runPromise(Effect.flip(elsewhere.send(task(guest.did))))).toMatchObject({ _tag: "SendFailed" })
    expect(chat.messages).toHaveLength(before)
  })
})
