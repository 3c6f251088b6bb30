/**
 * Bounded 2025-era HTTP sessions (Streamable HTTP with Mcp-Session-Id, and legacy SSE).
 *
 * Each session holds an MCP server object, its transport and, for long-lived servers, containers; a
 * client that initializes and walks away used to keep all of it until the gateway stopped (20,000
 * initialize calls took the gateway from 134 to 549 MB). So sessions are capped, in total and per
 * credential, and a session with no request and no open stream for `idleMs` is closed, which ends its
 * containers through the gateway's own session close. 2026-07-28 requests are stateless and not counted.
 *
 * Most clients never send the DELETE that ends a session (the SDK's `close()` just drops the connection),
 * and `idleMs` is long (30 minutes) for clients that hold no stream between requests: their long-lived
 * containers stayed up all that time (21 after one test run). A client that held an event stream keeps
 * one while it is there (clients reconnect a broken stream within seconds): once it has had none, and
 * sent no request, for `ttlMs`, it is gone, and its session is closed like a DELETE would.
 */

export interface SessionLimits {
  /** Sessions open at once, all clients together (`--max-sessions`). */
  maxSessions: number
  /** Sessions open at once per credential (`--max-sessions-per-token`). */
  maxPerOwner: number
  /** Close a session idle this long (`--session-idle-timeout`); 0 = never. */
  idleMs: number
  /** Close a session whose client held an event stream and has none now, idle this long (`--session-ttl`); 0 = off. */
  ttlMs?: number | undefined
}

/** Why a new session was refused: the HTTP status, the message for the client. */
export interface Refusal {
  status: 429 | 503
  message: string
}

interface Entry {
  owner: string
  /** Requests and streams open on the session now. */
  active: number
  /** When the last request or stream ended (or the session started). */
  lastSeen: number
  /** Its client opened an event stream (GET) at some point. */
  streamed: boolean
  close: () => Promise<void>
}

/**
 * The table of open sessions. Pure bookkeeping with an injected clock; the caller runs `sweep`
 * periodically and does the HTTP.
 */
export class SessionTable {
  private readonly entries = new Map<string, Entry>()
  private readonly perOwner = new Map<string, number>()

  constructor(
    private readonly limits: SessionLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size
  }

  has(id: string): boolean {
    return this.entries.has(id)
  }

  /** Why a new session for `owner` cannot open now, or undefined when it can. */
  refusal(owner: string): Refusal | undefined {
    const {maxSessions, maxPerOwner} = this.limits
    if ((this.perOwner.get(owner) ?? 0) >= maxPerOwner) {
      return {
        status: 429,
        message: `too many sessions for this client: ${maxPerOwner} are open (--max-sessions-per-token). End unused sessions (HTTP DELETE with their Mcp-Session-Id), or raise --max-sessions-per-token.`,
      }
    }
    if (this.entries.size >= maxSessions) {
      return {
        status: 503,
        message: `too many sessions: the gateway holds ${maxSessions} (--max-sessions). Retry later, end unused sessions, or raise --max-sessions.`,
      }
    }
    return undefined
  }

  /** Record a new session (call `refusal` first). `close` ends it; `remove` is called back by its close. */
  add(id: string, owner: string, close: () => Promise<void>): void {
    if (this.entries.has(id)) return
    this.entries.set(id, {owner, active: 0, lastSeen: this.now(), streamed: false, close})
    this.perOwner.set(owner, (this.perOwner.get(owner) ?? 0) + 1)
  }

  /** Forget a session (it closed). */
  remove(id: string): void {
    const entry = this.entries.get(id)
    if (!entry) return
    this.entries.delete(id)
    const left = (this.perOwner.get(entry.owner) ?? 1) - 1
    if (left > 0) this.perOwner.set(entry.owner, left)
    else this.perOwner.delete(entry.owner)
  }

  /** A request or (`stream`) event stream on the session began; call the returned function when it ends. */
  begin(id: string, options: {stream?: boolean} = {}): () => void {
    const entry = this.entries.get(id)
    if (!entry) return () => {}
    if (options.stream) entry.streamed = true
    entry.active++
    entry.lastSeen = this.now()
    let ended = false
    return () => {
      if (ended) return
      ended = true
      entry.active--
      entry.lastSeen = this.now()
    }
  }

  /** Close every session idle for longer than the limit, or abandoned (see above); resolves with their ids. */
  async sweep(): Promise<string[]> {
    const {idleMs, ttlMs = 0} = this.limits
    const now = this.now()
    const expired = [...this.entries].filter(
      ([, e]) =>
        e.active === 0 &&
        ((idleMs > 0 && e.lastSeen <= now - idleMs) ||
          (ttlMs > 0 && e.streamed && e.lastSeen <= now - ttlMs)),
    )
    for (const [id] of expired) this.remove(id)
    await Promise.all(expired.map(([, e]) => e.close().catch(() => {})))
    return expired.map(([id]) => id)
  }

  /** Close every session (gateway shutdown). */
  async closeAll(): Promise<void> {
    const all = [...this.entries.values()]
    this.entries.clear()
    this.perOwner.clear()
    await Promise.all(all.map((e) => e.close().catch(() => {})))
  }
}
