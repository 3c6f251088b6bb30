import type {GatewayServer} from '../gateway.js'
import type {SessionRef, ToolTarget} from '../session/tool-view.js'
import type {AddedServer} from './host.js'

/**
 * Who added what: servers and config settings per session. A 2025 session (stdio, an HTTP session) is
 * its own scope. 2026-07-28 HTTP requests are stateless and all share the session id `stateless`: their
 * additions are scoped by caller (`session.caller.id`, the token or OAuth subject), so that one caller's
 * mcp-add is not another's, and a caller's next request sees what it added.
 */
export class SessionServers {
  private readonly scopes = new Map<string, Map<string, AddedServer>>()
  private readonly settings = new Map<string, Map<string, Record<string, unknown>>>()
  /** Operations under way, per scope and server: an add and a remove of one server never interleave. */
  private readonly busy = new Map<string, Promise<unknown>>()

  /** The scope of a session: its id, or `caller:<id>` for a stateless request. */
  static key(session: SessionRef): string {
    return session.ephemeral ? `caller:${session.caller.id}` : session.id
  }

  /** The pool session its containers run under (the shared `stateless` one for stateless requests). */
  static poolSession(session: SessionRef): string {
    return session.id
  }

  added(session: SessionRef): ReadonlyMap<string, AddedServer> {
    return this.scopes.get(SessionServers.key(session)) ?? EMPTY
  }

  get(session: SessionRef, server: string): AddedServer | undefined {
    return this.scopes.get(SessionServers.key(session))?.get(server)
  }

  set(session: SessionRef, added: AddedServer): void {
    const key = SessionServers.key(session)
    let scope = this.scopes.get(key)
    if (!scope) this.scopes.set(key, (scope = new Map()))
    scope.set(added.server.name, added)
  }

  delete(session: SessionRef, server: string): AddedServer | undefined {
    const key = SessionServers.key(session)
    const scope = this.scopes.get(key)
    const added = scope?.get(server)
    scope?.delete(server)
    if (scope?.size === 0) this.scopes.delete(key)
    return added
  }

  /**
   * A 2025 session ended: its scope goes; returns the servers it had added. Stateless callers' scopes (`caller:<id>`) stay: the caller's
   * next request is a new one-request session that expects what it added.
   */
  forget(sessionId: string): string[] {
    if (sessionId.startsWith('caller:')) return []
    const servers = [...(this.scopes.get(sessionId)?.keys() ?? [])]
    this.scopes.delete(sessionId)
    this.settings.delete(sessionId)
    return servers
  }

  /** Exposed tool name → target, over every server the session added. */
  tool(session: SessionRef, name: string): ToolTarget | undefined {
    for (const added of this.added(session).values()) {
      const target = added.tools.get(name)
      if (target) return target
    }
    return undefined
  }

  /** Scopes that hold `server`, whose pool session is `poolSession` (undefined = any). */
  holders(server: string, poolSession?: string): number {
    let n = 0
    for (const [key, scope] of this.scopes) {
      if (!scope.has(server)) continue
      if (poolSession === undefined || (poolSession === 'stateless') === key.startsWith('caller:')) n++
    }
    return n
  }

  /** A server some session added, for the gateway's lifecycle (long-lived or per call). */
  definition(server: string): GatewayServer | undefined {
    for (const scope of this.scopes.values()) {
      const added = scope.get(server)
      if (added) return added.server
    }
    return undefined
  }

  /** The session's own settings of `server` (mcp-config-set without persist). */
  settingsOf(session: SessionRef, server: string): Record<string, unknown> | undefined {
    return this.settings.get(SessionServers.key(session))?.get(server)
  }

  setSetting(session: SessionRef, server: string, key: string, value: unknown): void {
    const scopeKey = SessionServers.key(session)
    let scope = this.settings.get(scopeKey)
    if (!scope) this.settings.set(scopeKey, (scope = new Map()))
    const values = {...scope.get(server)}
    setDotted(values, key, value)
    scope.set(server, values)
  }

  /** Run `fn` after every other operation of the same scope on the same server. */
  async exclusive<T>(session: SessionRef, server: string, fn: () => Promise<T>): Promise<T> {
    const key = `${SessionServers.key(session)}\u0000${server}`
    const before = this.busy.get(key) ?? Promise.resolve()
    const run = before.catch(() => {}).then(fn)
    this.busy.set(key, run)
    try {
      return await run
    } finally {
      if (this.busy.get(key) === run) this.busy.delete(key)
    }
  }
}

const EMPTY: ReadonlyMap<string, AddedServer> = new Map()

/** `db.host` = x → {db: {host: x}}. */
export function setDotted(target: Record<string, unknown>, key: string, value: unknown): void {
  const path = key.split('.')
  let map = target
  for (const part of path.slice(0, -1)) {
    const next = map[part]
    map = map[part] = next && typeof next === 'object' && !Array.isArray(next) ? {...next} : {}
  }
  map[path[path.length - 1]!] = value
}
