#!/usr/bin/env node
// The operator's TokenVault key tool, over the AppView's operator endpoint (src/features/connectors/vaultKeysRoute.ts).
//
//   node scripts/vaultKeys.mjs list                 what each key seals (connectors per status, webhook secrets)
//   node scripts/vaultKeys.mjs check <keyId>        may <keyId> be removed? exit 1, listing what still uses it, if not
//   node scripts/vaultKeys.mjs check-ring <file>    may TOKEN_VAULT_KEYS become the JSON in <file> ("-" = stdin)?
//                                                   exit 1 when it drops a key that still seals something
//   node scripts/vaultKeys.mjs rotate               run the rotation job until nothing is left under an old key
//
// OVERLAP_APPVIEW_URL (default http://localhost:8787) and OPERATOR_SECRET (not needed in development) are read
// from the environment. Rotate keys: add the new key, point `current` at it, deploy, `rotate`, then `check-ring`
// the ring without the old key before deploying it.
import { readFileSync } from "node:fs"

const base = (process.env.OVERLAP_APPVIEW_URL ?? "http://localhost:8787").replace(/\/$/, "")
const headers = process.env.OPERATOR_SECRET ? { authorization: `Bearer ${process.env.OPERATOR_SECRET}` } : {}

const call = async (method, query = "") => {
  const response = await fetch(`${base}/operator/vault-keys${query}`, { method, headers })
  const body = await response.json().catch(() => ({ error: "NotJson", message: `HTTP ${response.status}` }))
  return { status: response.status, body }
}

const fail = (message) => {
  console.error(message)
  process.exit(1)
}

const describeUse = (key) => {
  const parts = [
    ...Object.entries(key.connectors).map(([status, n]) => `${n} ${status} connector credential(s)`),
    ...Object.entries(key.webhookSecrets).map(([status, n]) => `${n} ${status} webhook signing secret(s)`),
    ...Object.entries(key.notifySettings ?? {}).map(([what, n]) => `${n} notification ${what === "email" ? "e-mail address(es)" : "preference set(s)"}`),
    ...Object.values(key.deadLetters ?? {}).map((n) => `${n} recorded dead letter(s)`),
    ...Object.values(key.bookingNotes ?? {}).map((n) => `${n} booking note(s)`)
  ]
  const flags = [key.current ? "current" : "", key.configured ? "" : "NOT CONFIGURED: these values do not open"].filter(Boolean)
  return `${key.keyId}${flags.length ? ` (${flags.join("; ")})` : ""}: ${parts.length ? parts.join(", ") : "seals nothing"}`
}

const [command, argument] = process.argv.slice(2)
switch (command) {
  case "list": {
    const { status, body } = await call("GET")
    if (status !== 200) fail(`${body.error}: ${body.message}`)
    for (const key of body.keys) console.log(describeUse(key))
    if (body.removable.length) console.log(`may be removed: ${body.removable.join(", ")}`)
    if (body.missing.length) fail(`missing from TOKEN_VAULT_KEYS while still in use: ${body.missing.join(", ")}`)
    break
  }
  case "check": {
    if (!argument) fail("usage: vaultKeys.mjs check <keyId>")
    const { status, body } = await call("GET", `?remove=${encodeURIComponent(argument)}`)
    if (status === 200) console.log(`${argument} seals nothing: it may be removed`)
    else fail(`${body.error}: ${body.message}${body.uses ? `\n  - ${body.uses.join("\n  - ")}` : ""}`)
    break
  }
  case "check-ring": {
    if (!argument) fail("usage: vaultKeys.mjs check-ring <file with the new TOKEN_VAULT_KEYS JSON | ->")
    let ring
    try {
      ring = JSON.parse(readFileSync(argument === "-" ? 0 : argument, "utf8"))
    } catch {
      fail("the new key ring is not valid JSON") // never echo it: it is key material
    }
    const keep = new Set(Object.keys(ring?.keys ?? {}))
    if (!keep.has(ring?.current)) fail("the new key ring's `current` is not one of its keys")
    const { status, body } = await call("GET")
    if (status !== 200) fail(`${body.error}: ${body.message}`)
    const dropped = body.keys.filter((key) => !keep.has(key.keyId) && key.total > 0)
    if (dropped.length) fail(`the new key ring drops keys that still seal values; rotate first:\n  - ${dropped.map(describeUse).join("\n  - ")}`)
    console.log("every sealed value opens under the new key ring")
    break
  }
  case "rotate": {
    for (let run = 1; ; run++) {
      const { status, body } = await call("POST")
      if (status !== 200) fail(`${body.error}: ${body.message}`)
      const { rotated, retired, failed, more } = body.rotation
      const ids = (lists) => Object.values(lists).flat()
      console.log(`run ${run}: rotated ${rotated.connectors} connector credential(s), ${rotated.webhookSecrets} webhook secret(s), ` +
        `${rotated.notifySettings ?? 0} notification setting(s), ${rotated.deadLetters ?? 0} dead letter(s), ${rotated.bookingNotes ?? 0} booking note(s)` +
        (ids(retired).length ? `; key retired: ${ids(retired).join(", ")}` : "") +
        (ids(failed).length ? `; did not open: ${ids(failed).join(", ")}` : ""))
      if (!more) {
        for (const key of body.keys.keys) console.log(describeUse(key))
        break
      }
    }
    break
  }
  default:
    fail("usage: vaultKeys.mjs list | check <keyId> | check-ring <file|-> | rotate")
}
