import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import path from "node:path"

/**
 * A real CalDAV server: Debian's `radicale` (3.1.x) on 127.0.0.1 and a free port, one htpasswd
 * user (plain-text passwords: the only encryption 3.1.8 offers without python3-bcrypt), storage in a temp
 * dir. Used by the tests (CI installs it from .ci/apt-packages; when it is missing, `startRadicale` throws,
 * so tests fail rather than skip) and by `npm run dev` (which starts it only when it is installed).
 */


const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const assertInstalled = () => {
  const probe = spawnSync("radicale", ["--version"], { encoding: "utf8" })
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      "The CalDAV tests need a real Radicale server, but `radicale` is not installed or does not run " +
        `(${probe.error?.message ?? probe.stderr?.trim() ?? `exit ${probe.status}`}). ` +
        "Install it with `apt-get install -y radicale` (CI installs the packages in .ci/apt-packages)."
    )
  }
  return probe.stdout.trim()
}

const escapeXml = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

export const startRadicale = async (options = {}) => {
  assertInstalled()
  const username = options.username ?? "alice"
  const password = options.password ?? "app-password-1"
  const dir = mkdtempSync(path.join(tmpdir(), "overlap-radicale-"))
  writeFileSync(path.join(dir, "users"), `${username}:${password}\n`)

  let child
  let url = ""
  let output = ""
  for (let attempt = 0; attempt < 3 && child === undefined; attempt++) {
    const port = await freePort()
    const config = [
      "[server]", `hosts = 127.0.0.1:${port}`,
      "[auth]", "type = htpasswd", `htpasswd_filename = ${path.join(dir, "users")}`, "htpasswd_encryption = plain", "delay = 0",
      "[storage]", `filesystem_folder = ${path.join(dir, "collections")}`,
      "[rights]", "type = owner_only",
      "[web]", "type = none",
      "[logging]", "level = warning"
    ].join("\n")
    writeFileSync(path.join(dir, "config"), config)
    // --config replaces the default config search, so /etc/radicale/config cannot leak in.
    const started = spawn("radicale", ["--config", path.join(dir, "config")], { stdio: ["ignore", "pipe", "pipe"] })
    output = ""
    started.stdout?.on("data", (chunk) => (output += chunk))
    started.stderr?.on("data", (chunk) => (output += chunk))
    let exited = false
    started.once("exit", () => (exited = true))
    const candidate = `http://127.0.0.1:${port}`
    const deadline = Date.now() + 10_000
    while (!exited && Date.now() < deadline) {
      try {
        await fetch(`${candidate}/.well-known/caldav`, { redirect: "manual" })
        child = started
        url = candidate
        break
      } catch {
        await sleep(50)
      }
    }
    if (child === undefined && !exited) started.kill("SIGKILL")
  }
  if (child === undefined) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`radicale did not start: ${output.slice(-2000)}`)
  }
  const running = child
  const killOnExit = () => running.kill("SIGKILL")
  process.once("exit", killOnExit)

  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`
  const homeUrl = `${url}/${username}/`
  const request = (pathOrUrl, init = {}) =>
    fetch(new URL(pathOrUrl, url), {
      method: init.method ?? "GET",
      headers: { authorization, ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body })
    })

  const makeCalendar = async (name, calendarOptions = {}) => {
    const calendarUrl = `${homeUrl}${name}/`
    const components = (calendarOptions.components ?? ["VEVENT"]).map((c) => `<C:comp name="${c}"/>`).join("")
    const timeZone = calendarOptions.timezone === undefined
      ? ""
      : `<C:calendar-timezone>${escapeXml(calendarOptions.timezone)}</C:calendar-timezone>`
    const response = await request(calendarUrl, {
      method: "MKCALENDAR",
      headers: { "content-type": "application/xml; charset=utf-8" },
      body: `<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
        `<D:set><D:prop><D:displayname>${escapeXml(name)}</D:displayname>` +
        `<C:supported-calendar-component-set>${components}</C:supported-calendar-component-set>${timeZone}` +
        `</D:prop></D:set></C:mkcalendar>`
    })
    if (response.status !== 201) throw new Error(`MKCALENDAR ${name}: ${response.status} ${await response.text()}`)
    return calendarUrl
  }

  const putObject = async (calendarUrl, name, ics) => {
    const response = await request(new URL(name, calendarUrl).href, {
      method: "PUT",
      headers: { "content-type": "text/calendar; charset=utf-8" },
      body: ics
    })
    if (response.status !== 201 && response.status !== 204) throw new Error(`PUT ${name}: ${response.status} ${await response.text()}`)
    return response.headers.get("etag") ?? ""
  }

  const stop = async () => {
    process.removeListener("exit", killOnExit)
    if (running.exitCode === null && running.signalCode === null) {
      const exited = new Promise((resolve) => running.once("exit", resolve))
      running.kill("SIGTERM")
      const timer = setTimeout(() => running.kill("SIGKILL"), 3_000)
      await exited
      clearTimeout(timer)
    }
    rmSync(dir, { recursive: true, force: true })
  }

  return { url, username, password, homeUrl, request, makeCalendar, putObject, stop }
}

/** Whether `radicale` is installed and runs (dev starts it only then). */
export const radicaleInstalled = () => {
  const probe = spawnSync("radicale", ["--version"], { encoding: "utf8" })
  return probe.error === undefined && probe.status === 0
}
