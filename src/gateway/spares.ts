import type {Upstream} from './upstream.js'

/**
 * Spare containers for per-call servers: started ahead of demand, their MCP handshake done, so that a call
 * finds one ready instead of waiting for a container to start (~0.6 s). The guarantee of per-call servers
 * holds: every call gets a fresh container, used once and removed after (see UpstreamPool.usePerCall); a
 * spare is only a container started early.
 *
 * - Sized by recent demand: the most calls that came within one container start time in the last minute
 *   (each of them needed a container of its own before a refill could be ready), at least one while the
 *   server is in use, at most `max`. So a steady rate keeps what it uses while one starts, and a burst
 *   (an agent's parallel tool calls) keeps as many ready for the next one, for a minute. None before a
 *   server's first call; none again once it has had no call for `idleMs`.
 * - Inside the caps: a spare holds a place like any container, taken only when one is free (never waiting
 *   for one); a call that needs a place a spare holds gets it (the spare is closed, see `evict`).
 * - Per kind of client: a server learns what its client can do at initialize, so a spare only serves calls
 *   whose clients declared what it was started with (the key, from `CapabilityScopes.spareScope`).
 */

/** What a spare holds besides its container: its place under the caps. */
export interface SparePlace {
  release(): void
}

export interface SpareOptions<P extends SparePlace> {
  /** Spares of one server and kind of client at most; 0 turns spares off. */
  max: number
  /** A server with no call for this long has its spares closed. */
  idleMs: number
  /** Start a container for `key` (the scope it declares), or undefined when no place is free right now. */
  start: (server: string, key: string) => {place: P; upstream: Promise<Upstream>} | undefined
  /** Whether a call is waiting for a place of `server`: a spare that comes up then gives its place up. */
  contended?: ((server: string) => boolean) | undefined
  /** Told when a spare is ready for calls (the --verbose log). */
  onReady?: ((server: string) => void) | undefined
  /**
   * Whether a call of `server` is starting a container of its own right now: spares wait until it is up
   * (`resume`), since on a small machine a spare starting beside it slows it down, and that call is the one
   * a client waits for (the uncovered call of a burst: 1.8 s with the spares starting beside it, 1.3 s
   * without spares at all).
   */
  busy?: ((server: string) => boolean) | undefined
  /** The clock (ms), for tests. */
  now?: (() => number) | undefined
}

export interface Spare<P extends SparePlace> {
  upstream: Upstream
  place: P
}

interface Bucket<P extends SparePlace> {
  server: string
  key: string
  ready: Array<Spare<P>>
  starting: number
  /** When the last calls came (ms, oldest first, a window of DEMAND_WINDOW_MS). */
  calls: number[]
  idleTimer?: NodeJS.Timeout | undefined
}

/** How long a burst of calls is remembered: the pool keeps that many spares ready this long after it. */
const DEMAND_WINDOW_MS = 60_000
/** How long a container start is taken to last before one was measured. */
const FIRST_START_MS = 1000

export class SpareContainers<P extends SparePlace> {
  private readonly buckets = new Map<string, Bucket<P>>()
  /** Starts in flight, for shutdown (none may be left behind). */
  private readonly starting = new Set<Promise<unknown>>()
  /** A moving average of how long a container takes to start and answer initialize. */
  private startMs = FIRST_START_MS
  private closed = false

  constructor(private readonly options: SpareOptions<P>) {}

  get enabled(): boolean {
    return this.options.max > 0
  }

  /** Spares ready right now (for tests and metrics). */
  get readyCount(): number {
    let n = 0
    for (const b of this.buckets.values()) n += b.ready.length
    return n
  }

  /** A ready spare for a call of `server` by a client of kind `key`, if there is one; it is the call's now. */
  take(server: string, key: string): Spare<P> | undefined {
    const bucket = this.buckets.get(bucketKey(server, key))
    while (bucket?.ready.length) {
      const spare = bucket.ready.shift()!
      if (spare.upstream.isOpen) return spare
      spare.place.release()
    }
    return undefined
  }

  /**
   * A spare taken for a call that never reached it (a guard refused the call first) is still fresh: it goes
   * back to the front of its bucket, or is closed when its bucket is gone. A refused call then costs no
   * container: a client refused over and over (a rate limit) cannot make the gateway start one per call.
   */
  giveBack(server: string, key: string, spare: Spare<P>): void {
    const bucket = this.buckets.get(bucketKey(server, key))
    if (bucket && !this.closed && spare.upstream.isOpen) {
      bucket.ready.unshift(spare)
      return
    }
    closeSpare(spare)
  }

  /**
   * A call of `server` by a client of kind `key` came (told as it starts; a raw-path call that took a spare,
   * once answered): keep the spares it predicts ready.
   */
  demand(server: string, key: string): void {
    if (!this.enabled || this.closed) return
    const id = bucketKey(server, key)
    let bucket = this.buckets.get(id)
    if (!bucket) this.buckets.set(id, (bucket = {server, key, ready: [], starting: 0, calls: []}))
    const now = this.options.now?.() ?? Date.now()
    bucket.calls.push(now)
    while (bucket.calls[0]! < now - DEMAND_WINDOW_MS) bucket.calls.shift()
    this.armIdle(id, bucket)
    this.refill(bucket)
  }

  /**
   * How many spares to keep for a bucket: the most calls within one container start time in the window (a
   * sliding window over the call times), at least one, at most `max` (where the count stops early).
   */
  private target(bucket: Bucket<P>): number {
    const {calls} = bucket
    const max = this.options.max
    let peak = 1
    for (let first = 0, last = 0; last < calls.length && peak < max; last++) {
      while (calls[last]! - calls[first]! > this.startMs) first++
      peak = Math.max(peak, last - first + 1)
    }
    return Math.min(max, peak)
  }

  /** The server's calls that started containers of their own have them: start the spares that waited. */
  resume(server: string): void {
    for (const bucket of this.buckets.values()) if (bucket.server === server) this.refill(bucket)
  }

  private refill(bucket: Bucket<P>): void {
    if (this.options.busy?.(bucket.server)) return
    const target = this.target(bucket)
    while (!this.closed && bucket.ready.length + bucket.starting < target) {
      const started = this.options.start(bucket.server, bucket.key)
      if (!started) return
      bucket.starting++
      const began = performance.now()
      const settled = started.upstream.then(
        (upstream) => {
          this.startMs = 0.7 * this.startMs + 0.3 * (performance.now() - began)
          // Closed meanwhile (shutdown, idle, the server removed), or a call waits for the place it holds
          // (a call of another kind of client, under a small cap): it goes, and its place with it.
          if (
            this.closed ||
            this.buckets.get(bucketKey(bucket.server, bucket.key)) !== bucket ||
            this.options.contended?.(bucket.server)
          )
            return upstream.close().finally(() => started.place.release())
          const spare = {upstream, place: started.place}
          bucket.ready.push(spare)
          this.options.onReady?.(bucket.server)
          // A spare whose container ends while it waits frees its place; `take` skips it.
          void upstream.closed.then(() => {
            const i = bucket.ready.indexOf(spare)
            if (i === -1) return
            bucket.ready.splice(i, 1)
            spare.place.release()
          })
        },
        // A spare that fails to start is not an error anyone waits for: the next call starts its own, and
        // reports the failure then.
        () => started.place.release(),
      )
      const tracked = settled
        .catch(() => {})
        .finally(() => {
          bucket.starting--
          this.starting.delete(tracked)
        })
      this.starting.add(tracked)
    }
  }

  /** Close the bucket's spares once its server has had no call for `idleMs`. */
  private armIdle(id: string, bucket: Bucket<P>): void {
    clearTimeout(bucket.idleTimer)
    bucket.idleTimer = setTimeout(() => {
      if (this.buckets.get(id) === bucket) this.drop(id, bucket)
    }, this.options.idleMs)
    bucket.idleTimer.unref()
  }

  private drop(id: string, bucket: Bucket<P>): Promise<unknown>[] {
    this.buckets.delete(id)
    clearTimeout(bucket.idleTimer)
    return bucket.ready.splice(0).map((spare) => {
      spare.place.release()
      return spare.upstream.close().catch(() => {})
    })
  }

  /**
   * Close one ready spare (of `server`, or of any server) so that its place serves a call that needs it;
   * false when there is none. Its place is freed once the container is gone (a call waiting for a place
   * then gets it, and the cap holds for real containers), or at once with `now` (for a caller that cannot
   * wait; the container is already stopping).
   */
  evict(server?: string, now = false): boolean {
    for (const bucket of this.buckets.values()) {
      if (server !== undefined && bucket.server !== server) continue
      const spare = bucket.ready.shift()
      if (!spare) continue
      if (now) spare.place.release()
      closeSpare(spare)
      return true
    }
    return false
  }

  /** The server was removed or changed (a reload): its spares go; new ones start from the next call. */
  async closeServer(server: string): Promise<void> {
    const closing: Promise<unknown>[] = []
    for (const [id, bucket] of this.buckets)
      if (bucket.server === server) closing.push(...this.drop(id, bucket))
    await Promise.all(closing)
  }

  /** Shutdown: every spare closed, and every one still starting closed once started. */
  async closeAll(): Promise<void> {
    this.closed = true
    const closing: Promise<unknown>[] = []
    for (const [id, bucket] of this.buckets) closing.push(...this.drop(id, bucket))
    await Promise.all([...closing, ...this.starting])
  }
}

const bucketKey = (server: string, key: string) => `${server}\u0000${key}`

/** Close a spare's container; its place is freed once it is gone (a second release is a no-op). */
function closeSpare(spare: Spare<SparePlace>): void {
  void spare.upstream
    .close()
    .catch(() => {})
    .finally(() => spare.place.release())
}
