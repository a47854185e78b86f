import { env } from "cloudflare:test"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { WebSessionsLive } from "../../src/adapters/d1/WebSessionsLive"
import { RateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { UserConnectorsLive } from "../../src/adapters/objects/UserConnectorsLive"
import { sessionCookieName } from "../../src/domain/signin/webSession"
import appview from "../../src/entry/appview"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { ConnectorsRepo } from "../../src/services/ConnectorsRepo"
import { WebSessions } from "../../src/services/WebSessions"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "../api/xrpcTestKit"

/**
 * app.overlap.connector.setCalendars inside workerd with D1 and the real UserConnectorDO: through the AppView
 * worker's own fetch with a browser session (this origin + the session's CSRF token, as connector.remove), and
 * through the XRPC handler with a real service-auth token. The rows are stored as D1 has them; only the owner
 * changes them; bad input is a 400 naming the field.
 */

const testEnv = env as unknown as Env
const ORIGIN = "http://127.0.0.1"
const NSID = "app.overlap.connector.setCalendars"
const SESSION_DID = "did:plc:setcalendarsworkerd0000001"
const STRANGER_DID = "did:plc:setcalendarsworkerd0000002"
const WORK = "https://dav.example.com/cal/alice/work/"
const FAMILY = "https://dav.example.com/cal/alice/family/"

const run = <A, E>(effect: Effect.Effect<A, E, ConnectorsRepo | WebSessions>) =>
  Effect.runPromise(effect.pipe(
    Effect.provide(Layer.mergeAll(RepositoriesLive, WebSessionsLive)),
    Effect.provide(CloudflareEnv.layer(testEnv))
  ))

/** A CalDAV connector with two calendars, both blocking (as a connect leaves it). */
const connectorFor = (did: string, id: string) =>
  run(Effect.flatMap(ConnectorsRepo, (repo) =>
    repo.create({
      id,
      did,
      provider: "caldav",
      status: "active",
      accountRef: "https://dav.example.com/",
      sealed: null,
      tokenExpiresAt: null,
      calendars: [{ id: WORK, name: "Work", checkBusy: true }, { id: FAMILY, name: "Family", checkBusy: true }]
    })))

const storedRow = (id: string) =>
  testEnv.DB.prepare("SELECT calendars, holds_target FROM connectors WHERE id = ?").bind(id).first<{ calendars: string; holds_target: number }>()

const post = (body: unknown, headers: Record<string, string>) =>
  appview.fetch(new Request(`${ORIGIN}/xrpc/${NSID}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body)
  }) as Parameters<typeof appview.fetch>[0], testEnv)

describe("connector.setCalendars through the AppView worker with a browser session", () => {
  it("needs this origin and the CSRF token; stores the choice; the same call again answers the same; 400s name the field", async () => {
    await connectorFor(SESSION_DID, "caldav-session-a")
    await connectorFor(STRANGER_DID, "caldav-stranger")
    const session = await run(Effect.flatMap(WebSessions, (s) => s.create(SESSION_DID, "vitest")))
    const cookie = `${sessionCookieName(false)}=${session.id}`
    const signedIn = { cookie, origin: ORIGIN, "x-overlap-csrf": session.csrf }
    const choice = { connectorId: "caldav-session-a", calendars: [{ id: WORK, checkBusy: false }], holdsTarget: FAMILY }

    const noCsrf = await post(choice, { cookie, origin: ORIGIN })
    expect(noCsrf.status).toBe(403)
    const crossSite = await post(choice, { ...signedIn, origin: "https://evil.example" })
    expect(crossSite.status).toBe(403)
    expect((await post(choice, {})).status).toBe(401)
    expect(JSON.parse((await storedRow("caldav-session-a"))!.calendars)).toEqual([
      { id: WORK, name: "Work", checkBusy: true },
      { id: FAMILY, name: "Family", checkBusy: true }
    ])

    const ok = await post(choice, signedIn)
    expect(ok.status).toBe(200)
    const body = await ok.json() as { connector: { calendars: unknown } }
    expect(body.connector.calendars).toEqual([
      { id: WORK, name: "Work", checkBusy: false },
      { id: FAMILY, name: "Family", checkBusy: true, holds: true }
    ])
    const row = await storedRow("caldav-session-a")
    expect(row!.holds_target).toBe(1)
    expect(JSON.parse(row!.calendars)).toEqual([
      { id: WORK, name: "Work", checkBusy: false },
      { id: FAMILY, name: "Family", checkBusy: true, holds: true }
    ])
    const again = await post(choice, signedIn)
    expect(await again.json()).toEqual(body)
    expect(await storedRow("caldav-session-a")).toEqual(row)

    const cases: Array<[unknown, RegExp]> = [
      [{ connectorId: "caldav-stranger", calendars: [{ id: WORK, checkBusy: false }] }, /^connectorId: /],
      [{ connectorId: "caldav-session-a", calendars: [{ id: "https://dav.example.com/other/", checkBusy: false }] }, /^calendars\[0\]\.id: /],
      [{ connectorId: "caldav-session-a", calendars: [{ id: WORK, checkBusy: true }], holdsTarget: "nope" }, /^holdsTarget: /],
      [{ connectorId: "caldav-session-a", calendars: [] }, /calendars/],
      [{ connectorId: "caldav-session-a", calendars: [{ id: WORK, checkBusy: "no" }] }, /checkBusy/],
      [{ connectorId: "caldav-session-a", calendars: [{ id: FAMILY, checkBusy: false }] }, /^calendars\[0\]\.checkBusy: /],
      [{ connectorId: "caldav-session-a", calendars: [{ id: WORK, checkBusy: false }], holdsTarget: WORK }, /^holdsTarget: /]
    ]
    for (const [input, message] of cases) {
      const refused = await post(input, signedIn)
      expect(refused.status, JSON.stringify(input)).toBe(400)
      expect(await refused.json()).toMatchObject({ error: expect.any(String), message: expect.stringMatching(message) })
    }
    // the stranger's connector is untouched
    expect(JSON.parse((await storedRow("caldav-stranger"))!.calendars)[0]).toEqual({ id: WORK, name: "Work", checkBusy: true })
  })
})

describe("connector.setCalendars with service-auth", () => {
  let owner: TestAccount
  let xrpc: XrpcHandler
  beforeAll(async () => {
    owner = await makeAccount("setcalowner")
    const root = CloudflareEnv.layer(testEnv)
    const repositories = RepositoriesLive.pipe(Layer.provide(root))
    xrpc = makeXrpcHandler(withXrpcTestServices(Layer.mergeAll(
      root,
      repositories,
      serviceAuthFor([owner])(repositories),
      RateLimiterTest,
      UserConnectorsLive.pipe(Layer.provide(root))
    )))
  })
  afterAll(async () => xrpc?.dispose())

  const call = async (nsid: string, body?: unknown) =>
    xrpc.handle(new Request(`http://appview.test/xrpc/${nsid}`, {
      ...(body === undefined ? {} : { method: "POST", body: JSON.stringify(body) }),
      headers: { "content-type": "application/json", authorization: `Bearer ${await owner.token(nsid)}` }
    }))

  it("moves the holds from one connector's calendar to another's: exactly one calendar takes them", async () => {
    await connectorFor(owner.did, "caldav-owner-1")
    await connectorFor(owner.did, "caldav-owner-2")
    const listed = async () => (await (await call("app.overlap.listConnectors")).json() as { connectors: Array<{ id: string; calendars: Array<{ id: string; holds?: boolean }> }> }).connectors
    const holding = (list: Awaited<ReturnType<typeof listed>>) => list.flatMap((c) => c.calendars.filter((cal) => cal.holds).map((cal) => `${c.id} ${cal.id}`))
    // nothing chosen: the oldest connector's first blocking calendar
    expect(holding(await listed())).toEqual([`caldav-owner-1 ${WORK}`])
    const first = await call(NSID, { connectorId: "caldav-owner-2", calendars: [{ id: FAMILY, checkBusy: true }], holdsTarget: FAMILY })
    expect(first.status).toBe(200)
    expect(holding(await listed())).toEqual([`caldav-owner-2 ${FAMILY}`])
    const back = await call(NSID, { connectorId: "caldav-owner-1", calendars: [{ id: WORK, checkBusy: true }], holdsTarget: FAMILY })
    expect(back.status).toBe(200)
    expect(holding(await listed())).toEqual([`caldav-owner-1 ${FAMILY}`])
    const rows = await testEnv.DB.prepare("SELECT id, holds_target FROM connectors WHERE did = ? ORDER BY id").bind(owner.did).all<{ id: string; holds_target: number }>()
    expect(rows.results).toEqual([{ id: "caldav-owner-1", holds_target: 1 }, { id: "caldav-owner-2", holds_target: 0 }])
  })
})
