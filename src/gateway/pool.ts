import type {Upstream} from './upstream.js'

const longLivedKey = (server: string, session: string) => `${server}\u0000${session}`

/** Counting semaphore with a FIFO queue. */
class Semaphore {
  private active = 0
  private readonly waiting: Array<() => void> = []
  constructor(private readonly size: number) {}

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active < this.size) {
      this.active++
      return this.releaser()
    }
    await new Promise<void>((resolve, reject) => {
      const entry = () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = () => {
        const i = this.waiting.indexOf(entry)
        if (i !== -1) this.waiting.splice(i, 1)
        reject(signal!.reason ?? new Error('cancelled'))
      }
      signal?.addEventListener('abort', onAbort, {once: true})
      this.waiting.push(entry)
    })
    this.active++
    return this.releaser()
  }

  private releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      this.active--
      this.waiting.shift()?.()
    }
  }
}

export interface PoolOptions {
  /** Containers of one server running at once (per-call containers queue beyond this). */
  maxPerServer: number
  /** Close a long-lived container after this long without calls; 0 = never. */
  idleMs: number
}

interface LongLivedEntry {
  upstream: Promise<Upstream>
  /** The upstream once connected, for callers that must not wait (the raw forwarding path). */
  ready?: Upstream | undefined
  server: string
  session: string
  inFlight: number
  idleTimer?: NodeJS.Timeout | undefined
}

/**
 * Who runs which container. Per-call servers get a fresh container for each call, at most `maxPerServer`
 * at once; long-lived servers get one container per (server, client session), started at most once even
 * under many parallel calls (single flight: the original leaked 180+ containers, docker/mcp-gateway#483).
 * A long-lived container that died is replaced on the next call.
 */
export class UpstreamPool {
  private readonly longLived = new Map<string, LongLivedEntry>()
  private readonly slots = new Map<string, Semaphore>()
  private readonly perCall = new Set<Upstream>()
  /** Containers being started right now: shutdown waits for them so that none is left behind. */
  private readonly starting = new Set<Promise<Upstream>>()
  /** Per-call containers being removed after their call answered. */
  private readonly removing = new Set<Promise<void>>()
  private closing = false

  constructor(
    private readonly connect: (server: string, session: string) => Promise<Upstream>,
    private readonly options: PoolOptions,
  ) {}

  private slot(server: string): Semaphore {
    let s = this.slots.get(server)
    if (!s) this.slots.set(server, (s = new Semaphore(this.options.maxPerServer)))
    return s
  }

  /** Run `fn` with an upstream of `server` for `session`, per the server's lifecycle. */
  async use<T>(
    server: string,
    session: string,
    longLived: boolean,
    signal: AbortSignal | undefined,
    fn: (upstream: Upstream) => Promise<T>,
  ): Promise<T> {
    if (this.closing) throw new Error('the gateway is shutting down')
    return longLived ? this.useLongLived(server, session, fn) : this.usePerCall(server, session, signal, fn)
  }

  private async usePerCall<T>(
    server: string,
    session: string,
    signal: AbortSignal | undefined,
    fn: (u: Upstream) => Promise<T>,
  ): Promise<T> {
    const release = await this.slot(server).acquire(signal)
    let upstream: Upstream | undefined
    try {
      const starting = this.connect(server, session)
      this.starting.add(starting)
      try {
        upstream = await starting
      } finally {
        this.starting.delete(starting)
      }
      this.perCall.add(upstream)
      // Shutdown began while this container was starting: it must not outlive the gateway.
      if (this.closing) throw new Error('the gateway is shutting down')
      return await fn(upstream)
    } finally {
      if (upstream) {
        // The caller has its answer now; the container goes in the background. The slot stays taken
        // until it is gone, so the cap holds for real containers, and shutdown waits for it.
        const done = upstream
        this.perCall.delete(done)
        const removal = done
          .close()
          .catch(() => {})
          .finally(() => {
            this.removing.delete(removal)
            release()
          })
        this.removing.add(removal)
      } else {
        release()
      }
    }
  }

  private async useLongLived<T>(
    server: string,
    session: string,
    fn: (u: Upstream) => Promise<T>,
  ): Promise<T> {
    const key = longLivedKey(server, session)
    let entry = this.longLived.get(key)
    if (entry) {
      const current = await entry.upstream.catch(() => undefined)
      if (!current?.isOpen && this.longLived.get(key) === entry) {
        this.longLived.delete(key)
        entry = undefined
      }
    }
    if (!entry) {
      const created: LongLivedEntry = {server, session, inFlight: 0, upstream: this.connect(server, session)}
      entry = created
      this.longLived.set(key, created)
      created.upstream.then(
        (u) => {
          created.ready = u
          void u.closed.then(() => {
            if (this.longLived.get(key) === created) this.longLived.delete(key)
          })
        },
        () => {
          if (this.longLived.get(key) === created) this.longLived.delete(key)
        },
      )
    }
    const live = entry
    this.hold(live)
    try {
      return await fn(await live.upstream)
    } finally {
      this.release(key, live)
    }
  }

  /**
   * The long-lived upstream of (server, session) if it is connected and open right now, held like a call
   * in flight until `release` is called; undefined when a call would have to wait for it (then use `use`).
   */
  holdReady(server: string, session: string): {upstream: Upstream; release: () => void} | undefined {
    if (this.closing) return undefined
    const key = longLivedKey(server, session)
    const live = this.longLived.get(key)
    if (!live?.ready?.isOpen) return undefined
    this.hold(live)
    let released = false
    return {
      upstream: live.ready,
      release: () => {
        if (released) return
        released = true
        this.release(key, live)
      },
    }
  }

  /** A call on a long-lived upstream starts: it is not idle. */
  private hold(live: LongLivedEntry): void {
    live.inFlight++
    clearTimeout(live.idleTimer)
  }

  /** A call on a long-lived upstream ended: start its idle timer when it was the last one. */
  private release(key: string, live: LongLivedEntry): void {
    live.inFlight--
    if (live.inFlight === 0 && this.options.idleMs > 0) {
      live.idleTimer = setTimeout(() => {
        if (live.inFlight === 0 && this.longLived.get(key) === live) {
          this.longLived.delete(key)
          void live.upstream.then((u) => u.close()).catch(() => {})
        }
      }, this.options.idleMs)
      live.idleTimer.unref()
    }
  }

  /** Containers currently held (long-lived and in-flight per-call), for metrics and tests. */
  get size(): number {
    return this.longLived.size + this.perCall.size
  }

  /** A client session ended: stop its long-lived containers. */
  async closeSession(session: string): Promise<void> {
    const closing: Promise<unknown>[] = []
    for (const [key, entry] of this.longLived) {
      if (entry.session !== session) continue
      this.longLived.delete(key)
      clearTimeout(entry.idleTimer)
      closing.push(entry.upstream.then((u) => u.close()).catch(() => {}))
    }
    await Promise.all(closing)
  }

  /** Stop everything. */
  async closeAll(): Promise<void> {
    this.closing = true
    const closing: Promise<unknown>[] = []
    for (const entry of this.longLived.values()) {
      clearTimeout(entry.idleTimer)
      closing.push(entry.upstream.then((u) => u.close()).catch(() => {}))
    }
    this.longLived.clear()
    for (const u of this.perCall) closing.push(u.close().catch(() => {}))
    for (const start of this.starting) closing.push(start.then((u) => u.close()).catch(() => {}))
    closing.push(...this.removing)
    await Promise.all(closing)
  }
}
