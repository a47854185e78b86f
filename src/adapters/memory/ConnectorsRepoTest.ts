import { Clock, Effect, Layer, Option, Ref } from "effect"
import { Connector, ConnectorAlreadyExists, ConnectorNotFound, ConnectorsRepo } from "../../services/ConnectorsRepo"
import { clampLimit } from "../../services/Page"

/** In-memory ConnectorsRepo with the Live layer's semantics. A fresh, empty store per build. */
export const ConnectorsRepoTest: Layer.Layer<ConnectorsRepo> = Layer.effect(
  ConnectorsRepo,
  Effect.gen(function*() {
    const rows = yield* Ref.make(new Map<string, Connector>())
    const cursors = yield* Ref.make(new Map<string, string | null>())

    const oldestFirst = (a: Connector, b: Connector) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

    const update = (id: string, change: (c: Connector) => Partial<Connector>) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.modify(rows, (m) => {
          const current = m.get(id)
          if (current === undefined) return [false, m] as const
          return [true, new Map(m).set(id, new Connector({ ...current, ...change(current), updatedAt: now }))] as const
        })).pipe(Effect.flatMap((found) => (found ? Effect.void : Effect.fail(new ConnectorNotFound({ id })))))

    return ConnectorsRepo.of({
      create: (c) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Ref.modify(rows, (m) => {
            if (m.has(c.id)) return [Option.none<Connector>(), m] as const
            const row = new Connector({
              id: c.id,
              did: c.did,
              provider: c.provider,
              status: c.status,
              accountRef: c.accountRef,
              tokenCiphertext: c.sealed?.ciphertext ?? null,
              keyId: c.sealed?.keyId ?? null,
              tokenExpiresAt: c.tokenExpiresAt,
              calendars: c.calendars,
              holdsTarget: false,
              lastSyncAt: null,
              warning: null,
              createdAt: now,
              updatedAt: now
            })
            return [Option.some(row), new Map(m).set(c.id, row)] as const
          })).pipe(Effect.flatMap(Option.match({ onNone: () => Effect.fail(new ConnectorAlreadyExists({ id: c.id })), onSome: Effect.succeed }))),

      get: (id) => Effect.map(Ref.get(rows), (m) => Option.fromNullable(m.get(id))),

      listForDid: (did, options) =>
        Effect.map(Ref.get(rows), (m) =>
          [...m.values()].filter((c) => c.did === did && (options?.includeRemoved === true || c.status !== "removed")).sort(oldestFirst)),

      setStatus: (id, status, from) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Ref.modify(rows, (m) => {
            const current = m.get(id)
            if (current === undefined || current.status === "removed" || (from !== undefined && !from.includes(current.status))) {
              return [Option.none<Connector>(), m] as const
            }
            const row = new Connector({ ...current, status, updatedAt: now })
            return [Option.some(row), new Map(m).set(id, row)] as const
          })),

      updateTokens: (id, sealed, tokenExpiresAt) => update(id, () => ({ tokenCiphertext: sealed.ciphertext, keyId: sealed.keyId, tokenExpiresAt })),

      updateAccount: (id, account) => update(id, () => ({ accountRef: account.accountRef, calendars: account.calendars })),

      markSynced: (id, at) =>
        Ref.update(rows, (m) => {
          const current = m.get(id)
          return current === undefined ? m : new Map(m).set(id, new Connector({ ...current, lastSyncAt: at }))
        }),

      setWarning: (id, warning) =>
        Ref.update(rows, (m) => {
          const current = m.get(id)
          return current === undefined ? m : new Map(m).set(id, new Connector({ ...current, warning }))
        }),

      setHoldsTarget: (did, id) =>
        Ref.modify(rows, (m) => {
          const target = m.get(id)
          if (target === undefined || target.did !== did || target.status === "removed") return [false, m] as const
          const next = new Map(m)
          for (const c of m.values()) {
            if (c.did === did && c.holdsTarget !== (c.id === id)) next.set(c.id, new Connector({ ...c, holdsTarget: c.id === id }))
          }
          return [true, next] as const
        }).pipe(Effect.flatMap((found) => (found ? Effect.void : Effect.fail(new ConnectorNotFound({ id }))))),

      remove: (id) =>
        update(id, () => ({ status: "removed", tokenCiphertext: null, keyId: null, tokenExpiresAt: null, holdsTarget: false })),

      listExpiring: (before, limit) =>
        Effect.map(Ref.get(rows), (m) =>
          [...m.values()]
            .filter((c) => c.status === "active" && c.tokenExpiresAt !== null && c.tokenExpiresAt <= before)
            .sort((a, b) => a.tokenExpiresAt! - b.tokenExpiresAt!)
            .slice(0, clampLimit(limit))),

      listPending: (createdBefore, limit) =>
        Effect.map(Ref.get(rows), (m) =>
          [...m.values()]
            .filter((c) => c.status === "pending" && c.createdAt <= createdBefore)
            .sort((a, b) => a.createdAt - b.createdAt)
            .slice(0, clampLimit(limit))),

      listActiveByProvider: (provider, limit, afterId) =>
        Effect.map(Ref.get(rows), (m) =>
          [...m.values()]
            .filter((c) => c.provider === provider && c.status === "active" && c.id > (afterId ?? ""))
            .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
            .slice(0, clampLimit(limit))),

      listSealedNotUnder: (keyId, limit, afterId) =>
        Effect.map(Ref.get(rows), (m) =>
          [...m.values()]
            .filter((c) => c.keyId !== null && c.keyId !== keyId && c.id > (afterId ?? ""))
            .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
            .slice(0, clampLimit(limit))),

      replaceSealed: (id, from, sealed) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Ref.modify(rows, (m) => {
            const current = m.get(id)
            if (current === undefined || current.tokenCiphertext !== from) return [false, m] as const
            const next = new Connector({ ...current, tokenCiphertext: sealed.ciphertext, keyId: sealed.keyId, updatedAt: now })
            return [true, new Map(m).set(id, next)] as const
          })),

      countByKeyId: Effect.map(Ref.get(rows), (m) => {
        const counts = new Map<string, { keyId: string; status: Connector["status"]; count: number }>()
        for (const c of m.values()) {
          if (c.keyId === null) continue
          const key = `${c.keyId}\u0000${c.status}`
          const entry = counts.get(key) ?? { keyId: c.keyId, status: c.status, count: 0 }
          counts.set(key, { ...entry, count: entry.count + 1 })
        }
        return [...counts.values()].sort((a, b) => a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : a.status < b.status ? -1 : a.status > b.status ? 1 : 0)
      }),

      getSyncToken: (connectorId, calendarId) =>
        Effect.map(Ref.get(cursors), (m) => Option.fromNullable(m.get(`${connectorId}\u0000${calendarId}`))),

      setSyncToken: (connectorId, calendarId, syncToken) =>
        Ref.update(cursors, (m) => new Map(m).set(`${connectorId}\u0000${calendarId}`, syncToken))
    })
  })
)
