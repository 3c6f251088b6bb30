import type {Upstream} from '../upstream.js'
import {leastOutstanding} from './select.js'

/** A replica's state, as `/status` shows it. */
export type ReplicaState = 'starting' | 'ready' | 'failed' | 'stopped'

/** One replica of a server: a container (or a connection to one of a remote server's URLs). */
export class Replica {
  state: ReplicaState = 'starting'
  upstream: Upstream | undefined
  /** Calls in flight on it (raw path and SDK path alike). */
  outstanding = 0
  lastError: string | undefined
  /** Resolves when the start ends (undefined when it failed). */
  readonly ready: Promise<Upstream | undefined>
  pinging = false
  /** Why its start failed, when it did. */
  startError: Error | undefined

  constructor(
    readonly index: number,
    start: Promise<Upstream>,
  ) {
    this.ready = start.then(
      (u) => u,
      (err: Error) => {
        this.startError = err
        this.lastError = err.message
        return undefined
      },
    )
  }

  /** Taking calls now. */
  get usable(): boolean {
    return this.state === 'ready' && this.upstream?.isOpen === true
  }

  /** What it is: the container's short id or the remote URL, once known. */
  get label(): string {
    return this.upstream?.label ?? `replica ${this.index + 1}`
  }
}

/** What a replica set needs from the pool. */
export interface ReplicaSetDeps {
  server: string
  /** Replicas wanted. */
  size: number
  /** Start replica `index` (a container, or a connection to the remote server's URL number `index`). */
  start(index: number): Promise<Upstream>
  /**
   * A place under the caps for one more replica, held until `release`; undefined when none is free.
   * `mustHave` (the set has no replica at all): throw the pool's CapacityError instead of undefined.
   */
  place(mustHave: boolean): {release(): void} | undefined
  /** Ping idle replicas this often (0 = never), each ping bounded by `pingTimeoutMs`. */
  pingIntervalMs: number
  pingTimeoutMs: number
  /** A replica was taken out, could not start, or the set is smaller than asked (for the log). */
  warn(line: string): void
}

/** Start attempts of one replica place that failed in a row wait this long, doubling, at most `MAX_BACKOFF_MS`. */
const FIRST_BACKOFF_MS = 1000
const MAX_BACKOFF_MS = 30_000

/**
 * N replicas of one long-lived server for one pool session, kept at N within the caps: calls go to the
 * replica with the fewest calls in flight (ties round-robin, `leastOutstanding`). A replica whose container
 * stops (crash, `docker kill`) or whose idle ping fails or times out is taken out at once and a new one is
 * started in the background (with a backoff while starts fail); calls never wait for a replacement while
 * another replica is ready. When the caps leave no place for all N, the set runs with fewer (never above a
 * cap), says so once, and fills up on its next health round when places are free.
 */
export class ReplicaSet {
  private readonly slots: Array<Replica | undefined>
  private readonly places = new Map<Replica, {release(): void}>()
  private readonly failedStarts: number[]
  private readonly retryAt: number[]
  private cursor = 0
  private closed = false
  private timer: NodeJS.Timeout | undefined
  private warnedShort = false
  /** The last start error, for a call that finds no replica at all. */
  private lastStartError: unknown

  constructor(private readonly deps: ReplicaSetDeps) {
    this.slots = Array.from({length: deps.size}, () => undefined)
    this.failedStarts = this.slots.map(() => 0)
    this.retryAt = this.slots.map(() => 0)
    if (deps.pingIntervalMs > 0) {
      this.timer = setInterval(() => this.healthRound(), deps.pingIntervalMs)
      this.timer.unref()
    }
  }

  get server(): string {
    return this.deps.server
  }

  /** The replicas now (those being started included). */
  get replicas(): Replica[] {
    return this.slots.filter((r): r is Replica => r !== undefined)
  }

  /** Containers held (running or starting). */
  get held(): number {
    return this.places.size
  }

  /** Start replicas in the free places (the first one must get a place: see `ReplicaSetDeps.place`). */
  fill(): void {
    if (this.closed) return
    const now = Date.now()
    let short = 0
    for (let i = 0; i < this.slots.length; i++) {
      const r = this.slots[i]
      if (r && r.state !== 'failed' && r.state !== 'stopped') continue
      if (this.retryAt[i]! > now) continue
      const place = this.deps.place(this.places.size === 0)
      if (!place) {
        short++
        continue
      }
      this.spawn(i, place)
    }
    if (short > 0 && !this.warnedShort) {
      this.warnedShort = true
      this.deps.warn(
        `  - ${this.server}: ${this.slots.length} replicas asked, ${this.slots.length - short} started: the container caps (--max-containers-per-server, --max-containers) leave no place for more; more start when places free up`,
      )
    }
  }

  private spawn(index: number, place: {release(): void}): void {
    const replica = new Replica(index, this.deps.start(index))
    this.slots[index] = replica
    this.places.set(replica, place)
    void replica.ready.then(async (upstream) => {
      if (!upstream) {
        replica.state = 'failed'
        this.freePlace(replica)
        this.failedStarts[index]!++
        this.retryAt[index] = Date.now() + this.backoff(index)
        return
      }
      this.failedStarts[index] = 0
      replica.upstream = upstream
      if (this.closed) {
        replica.state = 'stopped'
        await upstream.close().catch(() => {})
        this.freePlace(replica)
        return
      }
      replica.state = 'ready'
      void upstream.closed.then(() => this.lost(replica))
    })
  }

  private backoff(index: number): number {
    return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.max(0, this.failedStarts[index]! - 1))
  }

  /** A replica's connection closed (its container stopped, or it was taken out): replace it. */
  private lost(replica: Replica): void {
    this.freePlace(replica)
    if (replica.state === 'stopped') return
    replica.state = 'failed'
    replica.lastError ??= 'its container stopped'
    if (this.closed || this.slots[replica.index] !== replica) return
    this.deps.warn(
      `  - ${this.server}: replica ${replica.label} is out (${replica.lastError}): starting another`,
    )
    this.fill()
  }

  private freePlace(replica: Replica): void {
    const place = this.places.get(replica)
    if (!place) return
    this.places.delete(replica)
    place.release()
  }

  /** Take a replica out now (a failed ping, a request that could not reach it): it is closed and replaced. */
  takeOut(replica: Replica, why: string): void {
    if (replica.state !== 'ready' && replica.state !== 'starting') return
    replica.lastError = why
    replica.state = 'failed'
    const upstream = replica.upstream
    if (upstream) void upstream.close().catch(() => {})
    else this.lost(replica)
  }

  /** The replica for the next call right now, or undefined when none is ready. */
  pick(): Replica | undefined {
    const usable = this.replicas.filter((r) => r.usable)
    const chosen = leastOutstanding(usable, this.cursor, this.slots.length)
    if (chosen) this.cursor = (chosen.index + 1) % this.slots.length
    return chosen
  }

  /**
   * The replica for the next call, waiting for one to start when none is ready (the first call of a
   * session, or every replica lost at once). Throws the last start error when none can start.
   */
  async acquire(): Promise<Replica> {
    for (let attempt = 0; attempt <= this.slots.length + 1; attempt++) {
      const ready = this.pick()
      if (ready) return ready
      let starting = this.replicas.filter((r) => r.state === 'starting')
      if (starting.length === 0) {
        // A call is waiting: start now, whatever the backoff says.
        this.retryAt.fill(0)
        this.fill()
        starting = this.replicas.filter((r) => r.state === 'starting')
      }
      if (starting.length === 0) break
      const first = await Promise.race(starting.map((r) => r.ready.then((u) => (u ? undefined : r))))
      if (first) this.lastStartError = first.startError
      else if (this.replicas.every((r) => r.state === 'failed')) break
      // Let the replica that is ready be marked ready before picking again.
      await Promise.resolve()
      await new Promise((resolve) => setImmediate(resolve))
    }
    if (this.closed) throw new Error(`server "${this.server}": its replicas were stopped`)
    throw this.lastStartError instanceof Error
      ? this.lastStartError
      : new Error(`server "${this.server}": no replica could be started`)
  }

  /** Ping idle replicas (a hung server answers nothing) and start replicas in places that freed up. */
  private healthRound(): void {
    if (this.closed) return
    for (const replica of this.replicas) {
      if (!replica.usable || replica.outstanding > 0 || replica.pinging) continue
      replica.pinging = true
      replica
        .upstream!.client.ping({timeout: this.deps.pingTimeoutMs})
        .then(
          () => {},
          (err: Error) => this.takeOut(replica, `it did not answer a ping: ${err.message}`),
        )
        .finally(() => (replica.pinging = false))
    }
    this.fill()
  }

  /** Stop every replica (the session ended, the server was removed or the gateway stops). */
  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    await Promise.all(
      this.replicas.map(async (r) => {
        const upstream = r.upstream ?? (await r.ready)
        r.state = 'stopped'
        if (upstream) await upstream.close().catch(() => {})
        this.freePlace(r)
      }),
    )
  }
}
