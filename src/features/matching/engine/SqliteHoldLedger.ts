import { Schema } from "effect"
import type { Span } from "../../../domain/holds/overlap"
import {
  type BlockingSpan,
  type HoldLedgerShape,
  type HoldRecord,
  HoldState,
  type MatchRecord,
  MatchRequestJson,
  MatchStatusJson,
  noHold,
  type PartyHold,
  PartyHoldJson,
  unknownHold
} from "./HoldLedger"
import type { WeekClaim } from "../../../domain/holds/weekClaims"

interface WeekClaimRow extends Record<string, SqlStorageValue> {
  booking_id: string
  week: number
  start_at: number
  home_day: number
  due_at: number
  host_tz: string
}
const weekClaimOf = (row: WeekClaimRow): WeekClaim => ({
  bookingId: row.booking_id,
  week: row.week,
  start: row.start_at,
  homeDay: row.home_day,
  dueAt: row.due_at,
  hostTz: row.host_tz
})

/**
 * The hold ledger in a Durable Object's SQLite storage (`ctx.storage.sql`, synchronous). The object's
 * storage is private to the host's object; it holds Overlap's own holds (exact times of meetings being
 * booked, like D1 `bookings`) and never a provider's busy interval.
 */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS holds (
  booking_id TEXT    NOT NULL PRIMARY KEY,
  host_did   TEXT    NOT NULL,
  guest_did  TEXT    NOT NULL,
  start_at   INTEGER NOT NULL,
  end_at     INTEGER NOT NULL,
  state      TEXT    NOT NULL CHECK (state IN ('reserved', 'held', 'booked', 'releasing')),
  due_at     INTEGER NOT NULL,
  host_hold  TEXT    NOT NULL,
  guest_hold TEXT    NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  host_tz    TEXT    NOT NULL,
  guest_tz   TEXT    NOT NULL,
  summary    TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  CHECK (end_at > start_at)
);
CREATE INDEX IF NOT EXISTS holds_blocking_by_start ON holds (start_at) WHERE state <> 'releasing';
CREATE INDEX IF NOT EXISTS holds_by_due ON holds (due_at);
CREATE TABLE IF NOT EXISTS matches (
  token      TEXT    NOT NULL PRIMARY KEY,
  booking_id TEXT    NOT NULL UNIQUE,
  guest_did  TEXT    NOT NULL,
  request    TEXT    NOT NULL,
  status     TEXT    NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  due_at     INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS matches_by_due ON matches (due_at);
CREATE TABLE IF NOT EXISTS settings (
  name  TEXT    NOT NULL PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS shard_days (
  day INTEGER NOT NULL PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS shard_homes (
  booking_id TEXT    NOT NULL PRIMARY KEY,
  host_did   TEXT    NOT NULL,
  day        INTEGER NOT NULL,
  forget_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS shard_homes_by_forget ON shard_homes (forget_at);
CREATE TABLE IF NOT EXISTS week_claims (
  booking_id TEXT    NOT NULL PRIMARY KEY,
  week       INTEGER NOT NULL,
  start_at   INTEGER NOT NULL,
  home_day   INTEGER NOT NULL,
  due_at     INTEGER NOT NULL,
  host_tz    TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS week_claims_by_week ON week_claims (week);
CREATE TABLE IF NOT EXISTS shard_marks (
  booking_id TEXT    NOT NULL,
  day        INTEGER NOT NULL,
  PRIMARY KEY (booking_id, day)
);
`

interface HoldRow extends Record<string, SqlStorageValue> {
  booking_id: string
  host_did: string
  guest_did: string
  start_at: number
  end_at: number
  state: string
  due_at: number
  host_hold: string
  guest_hold: string
  attempts: number
  host_tz: string
  guest_tz: string
  summary: string
  created_at: number
}

interface MatchRow extends Record<string, SqlStorageValue> {
  token: string
  booking_id: string
  guest_did: string
  request: string
  status: string
  attempts: number
  due_at: number
  created_at: number
}

const decodePartyJson = Schema.decodeSync(PartyHoldJson)
/** Most rows carry one of two constant values: those skip the schema (read on every reservation). */
const NONE_JSON = JSON.stringify({ _tag: "none" })
const UNKNOWN_JSON = JSON.stringify({ _tag: "unknown" })
const decodeParty = (json: string): PartyHold =>
  json === NONE_JSON ? noHold : json === UNKNOWN_JSON ? unknownHold : decodePartyJson(json)
const encodePartyJson = Schema.encodeSync(PartyHoldJson)
const encodeParty = (party: PartyHold): string =>
  party._tag === "none" ? NONE_JSON : party._tag === "unknown" ? UNKNOWN_JSON : encodePartyJson(party)
const STATES: ReadonlyArray<string> = HoldState.literals
const decodeState = (state: string): HoldState => {
  if (!STATES.includes(state)) throw new Error(`unknown hold state ${JSON.stringify(state)}`)
  return state as HoldState
}
const decodeRequest = Schema.decodeSync(MatchRequestJson)
const encodeRequest = Schema.encodeSync(MatchRequestJson)
const decodeStatus = Schema.decodeSync(MatchStatusJson)
const encodeStatus = Schema.encodeSync(MatchStatusJson)

const holdOf = (row: HoldRow): HoldRecord => ({
  bookingId: row.booking_id,
  hostDid: row.host_did,
  guestDid: row.guest_did,
  start: row.start_at,
  end: row.end_at,
  state: decodeState(row.state),
  dueAt: row.due_at,
  host: decodeParty(row.host_hold),
  guest: decodeParty(row.guest_hold),
  attempts: row.attempts,
  hostTz: row.host_tz,
  guestTz: row.guest_tz,
  summary: row.summary,
  createdAt: row.created_at
})

const matchOf = (row: MatchRow): MatchRecord => ({
  token: row.token,
  bookingId: row.booking_id,
  guestDid: row.guest_did,
  request: decodeRequest(row.request),
  status: decodeStatus(row.status),
  attempts: row.attempts,
  dueAt: row.due_at,
  createdAt: row.created_at
})

/** Creates the tables if needed (idempotent; run in the object's constructor) and returns the ledger. */
export const sqliteHoldLedger = (sql: SqlStorage): HoldLedgerShape => {
  sql.exec(SCHEMA)
  const holds = (query: string, ...bindings: Array<SqlStorageValue>) =>
    sql.exec<HoldRow>(query, ...bindings).toArray().map(holdOf)
  const matches = (query: string, ...bindings: Array<SqlStorageValue>) =>
    sql.exec<MatchRow>(query, ...bindings).toArray().map(matchOf)
  const spans = (query: string, ...bindings: Array<SqlStorageValue>): Array<Span> =>
    sql.exec<{ start_at: number; end_at: number }>(query, ...bindings).toArray().map((r) => ({
      start: r.start_at,
      end: r.end_at
    }))

  const setting = (name: string): number =>
    sql.exec<{ value: number }>("SELECT value FROM settings WHERE name = ?", name).toArray()[0]?.value ?? 0
  const putSetting = (name: string, value: number) =>
    void sql.exec("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", name, value)

  return {
    commitmentsBetween: (from, until) => ({
      holds: spans(
        "SELECT start_at, end_at FROM holds WHERE state IN ('reserved', 'held') AND end_at > ? AND start_at < ?",
        from,
        until
      ),
      bookings: spans("SELECT start_at, end_at FROM holds WHERE state = 'booked' AND end_at > ? AND start_at < ?", from, until)
    }),
    blockingStartingIn: (range): Array<BlockingSpan> =>
      sql.exec<{ booking_id: string; start_at: number; end_at: number }>(
        "SELECT booking_id, start_at, end_at FROM holds WHERE state <> 'releasing' AND start_at >= ? AND start_at < ?",
        range.start,
        range.end
      ).toArray().map((r) => ({ bookingId: r.booking_id, start: r.start_at, end: r.end_at })),
    get: (bookingId) => holds("SELECT * FROM holds WHERE booking_id = ?", bookingId)[0],
    put: (r) =>
      void sql.exec(
        `INSERT OR REPLACE INTO holds (booking_id, host_did, guest_did, start_at, end_at, state, due_at, host_hold,
                                       guest_hold, attempts, host_tz, guest_tz, summary, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        r.bookingId,
        r.hostDid,
        r.guestDid,
        r.start,
        r.end,
        r.state,
        r.dueAt,
        encodeParty(r.host),
        encodeParty(r.guest),
        r.attempts,
        r.hostTz,
        r.guestTz,
        r.summary,
        r.createdAt
      ),
    remove: (bookingId) => void sql.exec("DELETE FROM holds WHERE booking_id = ?", bookingId),
    dueHolds: (now, limit) => holds("SELECT * FROM holds WHERE due_at <= ? ORDER BY due_at LIMIT ?", now, limit),
    allHolds: () => holds("SELECT * FROM holds ORDER BY start_at"),

    getMatch: (token) => matches("SELECT * FROM matches WHERE token = ?", token)[0],
    matchForBooking: (bookingId) => matches("SELECT * FROM matches WHERE booking_id = ?", bookingId)[0],
    putMatch: (m) =>
      void sql.exec(
        `INSERT OR REPLACE INTO matches (token, booking_id, guest_did, request, status, attempts, due_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        m.token,
        m.bookingId,
        m.guestDid,
        encodeRequest(m.request),
        encodeStatus(m.status),
        m.attempts,
        m.dueAt,
        m.createdAt
      ),
    removeMatch: (token) => void sql.exec("DELETE FROM matches WHERE token = ?", token),
    dueMatches: (now, limit) => matches("SELECT * FROM matches WHERE due_at <= ? ORDER BY due_at LIMIT ?", now, limit),
    matchesOf: (did) => matches("SELECT * FROM matches WHERE guest_did = ?1 OR json_extract(request, '$.hostDid') = ?1", did),

    nextDueAt: () => {
      const row = sql
        .exec<{ next: number | null }>(
          `SELECT min(next) AS next FROM (SELECT min(due_at) AS next FROM holds UNION ALL SELECT min(due_at) FROM matches
                                          UNION ALL SELECT min(forget_at) FROM shard_homes)`
        )
        .one()
      return row.next ?? undefined
    },

    dayShards: () => setting("day_shards") === 1,
    setDayShards: (on) => putSetting("day_shards", on ? 1 : 0),
    noteForward: (day, at) => {
      sql.exec("INSERT OR IGNORE INTO shard_days (day) VALUES (?)", day)
      if (at > setting("last_forward_at")) putSetting("last_forward_at", at)
    },
    lastForwardAt: () => setting("last_forward_at"),
    shardDaysFrom: (fromDay) =>
      sql.exec<{ day: number }>("SELECT day FROM shard_days WHERE day >= ? ORDER BY day", fromDay).toArray().map((r) => r.day),
    putHome: (bookingId, home, forgetAt) =>
      void sql.exec(
        "INSERT OR REPLACE INTO shard_homes (booking_id, host_did, day, forget_at) VALUES (?, ?, ?, ?)",
        bookingId,
        home.hostDid,
        home.day,
        forgetAt
      ),
    homeOf: (bookingId) => {
      const row = sql.exec<{ host_did: string; day: number }>("SELECT host_did, day FROM shard_homes WHERE booking_id = ?", bookingId)
        .toArray()[0]
      return row === undefined ? undefined : { hostDid: row.host_did, day: row.day }
    },
    forgetHomes: (now) => void sql.exec("DELETE FROM shard_homes WHERE forget_at <= ?", now),
    forgetHomesOf: (hostDid) => sql.exec("DELETE FROM shard_homes WHERE host_did = ?", hostDid).rowsWritten,
    putMarks: (bookingId, days) => {
      sql.exec("DELETE FROM shard_marks WHERE booking_id = ?", bookingId)
      for (const day of days) sql.exec("INSERT INTO shard_marks (booking_id, day) VALUES (?, ?)", bookingId, day)
    },
    takeMarks: (bookingId) => {
      const days = sql.exec<{ day: number }>("SELECT day FROM shard_marks WHERE booking_id = ? ORDER BY day", bookingId)
        .toArray().map((r) => r.day)
      if (days.length > 0) sql.exec("DELETE FROM shard_marks WHERE booking_id = ?", bookingId)
      return days
    },
    ownBlockingCount: () =>
      sql.exec<{ n: number }>(
        "SELECT count(*) AS n FROM holds WHERE state <> 'releasing' AND NOT (booking_id GLOB '*#d[0-9]*' OR booking_id GLOB '*#d-[0-9]*')"
      ).one().n,
    liveHoldsOfGuest: (guestDid, now) =>
      sql.exec<{ booking_id: string }>(
        "SELECT booking_id FROM holds WHERE guest_did = ? AND state IN ('reserved', 'held') AND due_at > ?",
        guestDid,
        now
      ).toArray().map((r) => r.booking_id),
    weekClaims: (week) => sql.exec<WeekClaimRow>("SELECT * FROM week_claims WHERE week = ?", week).toArray().map(weekClaimOf),
    weekClaimOf: (bookingId) => {
      const row = sql.exec<WeekClaimRow>("SELECT * FROM week_claims WHERE booking_id = ?", bookingId).toArray()[0]
      return row === undefined ? undefined : weekClaimOf(row)
    },
    putWeekClaim: (c) =>
      void sql.exec(
        "INSERT OR REPLACE INTO week_claims (booking_id, week, start_at, home_day, due_at, host_tz) VALUES (?, ?, ?, ?, ?, ?)",
        c.bookingId,
        c.week,
        c.start,
        c.homeDay,
        c.dueAt,
        c.hostTz
      ),
    removeWeekClaim: (bookingId) => void sql.exec("DELETE FROM week_claims WHERE booking_id = ?", bookingId),
    forgetWeekClaims: (before) => void sql.exec("DELETE FROM week_claims WHERE start_at < ?", before)
  }
}
