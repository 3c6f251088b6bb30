import {DockerMcpError} from '../errors.js'
import {CircuitBreaker, type BreakerTicket} from './balance/breaker.js'
import {classify} from './balance/outcome.js'
import {ReplicaSet} from './balance/replicas.js'
import type {BalanceOptions} from './balance/options.js'
import type {ServerStatus} from './balance/status.js'
import {SpareContainers} from './spares.js'
import type {Upstream} from './upstream.js'

export type {ServerStatus, ReplicaStatus} from './balance/status.js'
export type {BalanceOptions} from './balance/options.js'

const longLivedKey = (server: string, session: string) => `${server}\u0000${session}`

/** A container would exceed `--max-containers-per-server` or `--max-containers`: the call fails at once. */
export class CapacityError extends DockerMcpError {}

/**
 * The pool refused a container because the gateway is stopping: not a failure of the server. (A start that
 * races shutdown, e.g. the background listing of a short session, must not be reported as one.)
 */
export class ShuttingDownError extends DockerMcpError {
  constructor() {
    super('the gateway is shutting down')
  }
}

/** Counting semaphore with a FIFO queue. */
class Semaphore {
  private active = 0
  private readonly waiting: Array<() => void> = []
  constructor(readonly size: number) {}

  get used(): number {
    return this.active
  }

  /** Callers waiting for a place. */
  get waiters(): number {
    return this.waiting.length
  }

  /** A place now, or undefined when all are taken (for what must not wait: see `UpstreamPool`). */
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.size) return undefined
    this.active++
    return this.releaser()
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active < this.size) {
      this.active++
      return this.releaser()
    }
    // Resolved with the place already counted: a releaser hands its place over (see `releaser`).
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
    return this.releaser()
  }

  /**
   * A place freed goes straight to the first waiter, still counted: were it uncounted until the waiter
   * runs, a `tryAcquire` in between would take it too, and the cap would be exceeded.
   */
  private releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}

/**
 * A container's place under the caps, held as long as the container runs (until it is removed).
 * `park` is for a call that waits for its client's input (a 2026-07-28 client answers in a later HTTP
 * request, or never): its container leaves the server's running places for a parked place, so that a
 * silent client does not block the server for everyone. Parked places are bounded too (as many as running
 * ones), and the container still counts against `--max-containers`.
 */
export interface ContainerSlot {
  /** Move to a parked place; false when the server's parked places are all taken. */
  park(): boolean
}

class Slot implements ContainerSlot {
  parked = false
  private released = false

  constructor(
    private releaseServer: () => void,
    private readonly releaseGlobal: () => void,
    private readonly parkedPlaces: Semaphore,
  ) {}

  park(): boolean {
    if (this.parked) return true
    if (this.released) return false
    const parked = this.parkedPlaces.tryAcquire()
    if (!parked) return false
    this.releaseServer()
    this.releaseServer = parked
    this.parked = true
    return true
  }

  release(): void {
    if (this.released) return
    this.released = true
    this.releaseServer()
    this.releaseGlobal()
  }
}

export interface PoolOptions extends BalanceOptions {
  /** Containers of one server at once: per-call ones queue beyond this, long-lived ones are refused. */
  maxPerServer: number
  /** Containers of all servers at once; beyond it a new container is refused. */
  maxContainers: number
  /** Close a long-lived container after this long without calls; 0 = never. */
  idleMs: number
  /** Spare containers of a per-call server, per kind of client, at most (see spares.ts); 0 or absent = none. */
  maxSpares?: number | undefined
  /** The scope a spare for calls of `scope` is started with: the same capabilities, no session of its own. */
  spareScope?: ((scope: string) => string | undefined) | undefined
  /** Told when a spare is ready (the --verbose log). */
  onSpareReady?: ((server: string) => void) | undefined
}

/** A (server, session) of a server with replicas: its replica set, held like a long-lived container. */
interface ReplicatedEntry {
  set: ReplicaSet
  server: string
  session: string
  inFlight: number
  idleTimer?: NodeJS.Timeout | undefined
}

/** How a call gets its container. */
export type Lifecycle =
  /** A fresh container for this call, removed after it. */
  | 'per-call'
  /** The one container of (server, session), shared by the session's calls. */
  | 'long-lived'
  /**
   * A container of (server, session) that serves this call alone, reused by the next call once idle: for
   * calls whose server may ask for input that must reach this very call (2026-07-28 clients, who share a
   * session name), see `CallRouter`.
   */
  | 'exclusive'

interface LongLivedEntry {
  upstream: Promise<Upstream>
  /** The upstream once connected, for callers that must not wait (the raw forwarding path). */
  ready?: Upstream | undefined
  server: string
  session: string
  inFlight: number
  idleTimer?: NodeJS.Timeout | undefined
}

interface Lease {
  upstream: Upstream
  slot: Slot
  server: string
  session: string
  idleTimer?: NodeJS.Timeout | undefined
}

/**
 * Who runs which container, within the caps. Per-call servers get a fresh container for each call;
 * long-lived servers get one container per (server, client session), started at most once even under many
 * parallel calls (single flight: the original leaked 180+ containers, docker/mcp-gateway#483). A long-lived
 * container that died is replaced on the next call.
 *
 * Every container counts against `maxPerServer` and `maxContainers` for as long as it runs: a per-call one
 * until it is removed, a long-lived one until its session ends or it idles out. Per-call containers wait
 * for a place (their places free up within a call); a long-lived container that would exceed a cap is
 * refused at once with a `CapacityError`: sessions hold their containers for long, so waiting would hang.
 */
export class UpstreamPool {
  private readonly longLived = new Map<string, LongLivedEntry>()
  private readonly idleLeases = new Map<string, Lease[]>()
  private readonly busyLeases = new Set<Lease>()
  private readonly slots = new Map<string, Semaphore>()
  private readonly parkedSlots = new Map<string, Semaphore>()
  private readonly global: Semaphore
  private readonly perCall = new Set<Upstream>()
  /** Containers being started right now: shutdown waits for them so that none is left behind. */
  private readonly starting = new Set<Promise<Upstream>>()
  /** Per-call containers being removed after their call answered. */
  private readonly removing = new Set<Promise<void>>()
  /** Per-call containers started ahead of their calls. */
  readonly spares: SpareContainers<Slot>
  /** Per server: per-call calls starting a container of their own (no spare was ready), while they do. */
  private readonly ownStarts = new Map<string, number>()
  private closing = false
  /** Servers with replicas: one replica set per (server, session). */
  private readonly replicated = new Map<string, ReplicatedEntry>()
  /** One circuit breaker per server (also the calls/errors counters of `serverStatus`). */
  private readonly breakers = new Map<string, CircuitBreaker>()

  constructor(
    /** Start a server's upstream for a pool session; `replica` = which replica (a remote server: which URL). */
    private readonly connect: (server: string, session: string, replica?: number) => Promise<Upstream>,
    private readonly options: PoolOptions,
  ) {
    this.global = new Semaphore(options.maxContainers)
    this.spares = new SpareContainers({
      max: options.spareScope ? (options.maxSpares ?? 0) : 0,
      idleMs: options.idleMs > 0 ? Math.min(options.idleMs, SPARE_IDLE_MS) : SPARE_IDLE_MS,
      start: (server, key) => {
        const place = this.tryPlace(server)
        return place && {place, upstream: this.started(server, key)}
      },
      contended: (server) => this.slotsOf(server).waiters > 0,
      busy: (server) => this.ownStarts.has(server),
      onReady: options.onSpareReady,
    })
  }

  /** A place for a spare: only a free one, never waiting and never evicting anything. */
  private tryPlace(server: string): Slot | undefined {
    const place = this.slotsOf(server).tryAcquire()
    if (!place) return undefined
    const global = this.global.tryAcquire()
    if (!global) return void place()
    return new Slot(place, global, this.parkedOf(server))
  }

  private slotsOf(server: string): Semaphore {
    let s = this.slots.get(server)
    if (!s) this.slots.set(server, (s = new Semaphore(this.options.maxPerServer)))
    return s
  }

  private parkedOf(server: string): Semaphore {
    let s = this.parkedSlots.get(server)
    if (!s) this.parkedSlots.set(server, (s = new Semaphore(this.options.maxPerServer)))
    return s
  }

  /** A global place now (an idle exclusive container gives its own up), else a CapacityError. */
  private takeGlobal(): () => void {
    const place =
      this.global.tryAcquire() ??
      (this.evictIdleLease() || this.spares.evict(undefined, true) ? this.global.tryAcquire() : undefined)
    if (place) return place
    throw new CapacityError(
      `the gateway already runs ${this.global.used} containers (--max-containers ${this.global.size}): close idle sessions or raise the cap`,
    )
  }

  /** A place for a container that must not wait (long-lived, exclusive), else a CapacityError. */
  private takeNow(server: string): Slot {
    const slots = this.slotsOf(server)
    const place = slots.tryAcquire() ?? (this.evictIdleLease(server) ? slots.tryAcquire() : undefined)
    if (!place)
      throw new CapacityError(
        `server "${server}" already runs ${slots.used} containers (--max-containers-per-server ${slots.size}): close idle sessions or raise the cap`,
      )
    try {
      return new Slot(place, this.takeGlobal(), this.parkedOf(server))
    } catch (err) {
      place()
      throw err
    }
  }

  /** A place for a per-call container: waits for one of the server's places, never for a global one. */
  private async takeQueued(server: string, signal: AbortSignal | undefined): Promise<Slot> {
    const slots = this.slotsOf(server)
    // A spare (of another kind of client) holds a place this call needs: it gives it up.
    if (slots.used >= slots.size) this.spares.evict(server)
    const place = await slots.acquire(signal)
    try {
      return new Slot(place, this.takeGlobal(), this.parkedOf(server))
    } catch (err) {
      place()
      throw err
    }
  }

  /** Close one idle exclusive container (of `server`, or any): it holds a place and no state anyone needs. */
  private evictIdleLease(server?: string): boolean {
    for (const [key, leases] of this.idleLeases) {
      const i = leases.findIndex((l) => server === undefined || l.server === server)
      if (i === -1) continue
      const [lease] = leases.splice(i, 1)
      if (leases.length === 0) this.idleLeases.delete(key)
      clearTimeout(lease!.idleTimer)
      lease!.slot.release()
      void lease!.upstream.close().catch(() => {})
      return true
    }
    return false
  }

  private async started(server: string, session: string, replica?: number): Promise<Upstream> {
    const starting =
      replica === undefined ? this.connect(server, session) : this.connect(server, session, replica)
    this.starting.add(starting)
    try {
      return await starting
    } finally {
      this.starting.delete(starting)
    }
  }

  private breakerOf(server: string): CircuitBreaker {
    let b = this.breakers.get(server)
    if (!b)
      this.breakers.set(
        server,
        (b = new CircuitBreaker(server, {
          failures: this.options.circuitFailures ?? DEFAULT_CIRCUIT_FAILURES,
          cooldownMs: this.options.circuitCooldownMs ?? DEFAULT_CIRCUIT_COOLDOWN_MS,
        })),
      )
    return b
  }

  /**
   * Run `fn` with an upstream of `server` for `session`, per `lifecycle`. The server's circuit breaker
   * decides first (an open circuit fails the call at once with a `CircuitOpenError`) and hears how it
   * ended: a failure of the way to the server (start, closed connection, timeout) counts, an answer of any
   * kind (a tool error too) resets the count, a cancelled call does neither (see balance/outcome.ts).
   */
  async use<T>(
    server: string,
    session: string,
    lifecycle: Lifecycle,
    signal: AbortSignal | undefined,
    fn: (upstream: Upstream, slot: ContainerSlot) => Promise<T>,
  ): Promise<T> {
    if (this.closing) throw new ShuttingDownError()
    // The gateway's own requests (listings, with their retries while a server is down: sessions `\u0000…`)
    // are never failed fast: they are how a server that came back is found. They only report.
    const breaker = this.breakerOf(server)
    const ticket: BreakerTicket = session.startsWith('\u0000')
      ? {done: (outcome, error) => breaker.record(outcome, error)}
      : breaker.admit()
    let reached: Upstream | undefined
    const watched = (upstream: Upstream, slot: ContainerSlot) => {
      reached = upstream
      return fn(upstream, slot)
    }
    try {
      const result = await (lifecycle === 'long-lived'
        ? this.useLongLived(server, session, watched)
        : lifecycle === 'exclusive'
          ? this.useExclusive(server, session, watched)
          : this.usePerCall(server, session, signal, watched))
      ticket.done('success')
      return result
    } catch (err) {
      const c = signal?.aborted ? {outcome: 'neutral' as const} : classify(err, reached?.isOpen ?? true)
      ticket.done(c.outcome, 'reason' in c ? c.reason : undefined)
      throw err
    }
  }

  private async usePerCall<T>(
    server: string,
    session: string,
    signal: AbortSignal | undefined,
    fn: (u: Upstream, slot: ContainerSlot) => Promise<T>,
  ): Promise<T> {
    // Listings ('\u0000' sessions) start their own: a server that is never called has no spare.
    const kind = session.startsWith('\u0000') ? undefined : this.options.spareScope?.(session)
    const spare = kind === undefined ? undefined : this.spares.take(server, kind)
    const slot = spare?.place ?? (await this.takeQueued(server, signal))
    // Without a spare, the call starts its own container: the spares wait until it is up (see ownStart).
    const ownStarted = spare ? undefined : this.ownStart(server)
    // After the call has its place: a spare started now must not take the place the call waits for.
    if (kind !== undefined) this.spares.demand(server, kind)
    let upstream: Upstream | undefined = spare?.upstream
    try {
      upstream ??= await this.started(server, session).finally(ownStarted)
      this.perCall.add(upstream)
      // Shutdown began while this container was starting: it must not outlive the gateway.
      if (this.closing) throw new ShuttingDownError()
      return await fn(upstream, slot)
    } finally {
      if (upstream) this.removePerCall(upstream, slot)
      else slot.release()
    }
  }

  /**
   * A per-call call of `server` starts a container of its own: until the returned function is called (its
   * start ended), the server's spares wait, then start (spares.ts `busy`). Once only.
   */
  private ownStart(server: string): () => void {
    this.ownStarts.set(server, (this.ownStarts.get(server) ?? 0) + 1)
    let ended = false
    return () => {
      if (ended) return
      ended = true
      const left = this.ownStarts.get(server)! - 1
      if (left > 0) return void this.ownStarts.set(server, left)
      this.ownStarts.delete(server)
      this.spares.resume(server)
    }
  }

  /**
   * A per-call container's call ended: the caller has its answer, the container goes in the background.
   * Its place stays taken until it is gone, so the cap holds for real containers, and shutdown waits for it.
   */
  private removePerCall(upstream: Upstream, slot: {release(): void}): void {
    this.perCall.delete(upstream)
    const removal = upstream
      .close()
      .catch(() => {})
      .finally(() => {
        this.removing.delete(removal)
        slot.release()
      })
    this.removing.add(removal)
  }

  /**
   * A container for a raw-path call of `server` (gateway.ts `forwardRaw`), held for the call, or undefined
   * when the call must take the regular path (which starts or waits for one): the session's long-lived
   * container once connected; for a stateless request, an idle exclusive one of its own; a per-call
   * server's ready spare (for a stateless request too: the raw path only takes those whose client declared
   * no capabilities, all of one scope, see http/stateless.ts).
   */
  holdRaw(server: string, session: string, lifecycle: Lifecycle, stateless: boolean): HeldCall | undefined {
    if (lifecycle === 'long-lived')
      return stateless ? this.holdIdle(server, session) : this.holdReady(server, session)
    return lifecycle === 'per-call' ? this.holdSpare(server, session) : undefined
  }

  /**
   * Whether a raw-path call may take one of `server`'s containers now (`holdSpare`, `holdIdle`): not during
   * shutdown, and only with the circuit closed. Anything else, the regular path decides (it fails fast, or
   * makes the call the probe).
   */
  private takesRawCalls(server: string): boolean {
    const state = this.breakers.get(server)?.state
    return !this.closing && (state === undefined || state === 'closed')
  }

  /**
   * The raw path's per-call container (gateway.ts `forwardRaw`): a ready spare of `server` for the kind of
   * client `session` is, taken as `usePerCall` takes one and removed once the call releases it. Undefined
   * when none is ready (or an open circuit, shutdown): the call then takes the regular path, which starts one.
   * The next spare starts once the call is answered, not while it is relayed: the call's bytes pass through
   * the engine, which a container start keeps busy (bench-spares, raw echo 1.5 s apart: 11 ms -> 7.7 ms).
   */
  private holdSpare(server: string, session: string): HeldCall | undefined {
    if (!this.takesRawCalls(server)) return undefined
    const kind = this.options.spareScope?.(session)
    const spare = kind === undefined ? undefined : this.spares.take(server, kind)
    if (!spare) return undefined
    this.perCall.add(spare.upstream)
    return this.heldCall(server, spare.upstream, (end) => {
      if (end?.unused) {
        this.perCall.delete(spare.upstream)
        return this.spares.giveBack(server, kind!, spare)
      }
      this.removePerCall(spare.upstream, spare.place)
      this.spares.demand(server, kind!)
    })
  }

  private async useExclusive<T>(
    server: string,
    session: string,
    fn: (u: Upstream, slot: ContainerSlot) => Promise<T>,
  ): Promise<T> {
    const key = longLivedKey(server, session)
    let lease: Lease | undefined
    const idle = this.idleLeases.get(key)
    while (idle?.length && !lease) {
      const candidate = idle.pop()!
      clearTimeout(candidate.idleTimer)
      if (candidate.upstream.isOpen) lease = candidate
      else candidate.slot.release()
    }
    if (idle?.length === 0) this.idleLeases.delete(key)
    if (!lease) {
      const slot = this.takeNow(server)
      let upstream: Upstream
      try {
        upstream = await this.started(server, session)
      } catch (err) {
        slot.release()
        throw err
      }
      lease = {upstream, slot, server, session}
      void upstream.closed.then(() => slot.release())
    }
    const held = lease
    this.busyLeases.add(held)
    try {
      if (this.closing) throw new ShuttingDownError()
      return await fn(held.upstream, held.slot)
    } finally {
      this.returnLease(key, held)
    }
  }

  /** An exclusive container's call ended: it waits idle for the next one (or goes). */
  private returnLease(key: string, held: Lease): void {
    this.busyLeases.delete(held)
    // A container whose call was parked is not reused: its place is a parked one, not a running one.
    if (this.closing || held.slot.parked || !held.upstream.isOpen) {
      held.slot.release()
      void held.upstream.close().catch(() => {})
    } else {
      this.idleLeases.set(key, [...(this.idleLeases.get(key) ?? []), held])
      if (this.options.idleMs > 0) {
        held.idleTimer = setTimeout(() => {
          const leases = this.idleLeases.get(key)
          const i = leases?.indexOf(held) ?? -1
          if (i === -1) return
          leases!.splice(i, 1)
          if (leases!.length === 0) this.idleLeases.delete(key)
          held.slot.release()
          void held.upstream.close().catch(() => {})
        }, this.options.idleMs)
        held.idleTimer.unref()
      }
    }
  }

  /**
   * The raw path's exclusive container (2026-07-28 stateless calls, src/gateway/http/stateless.ts): an idle
   * one of `server` for `session`, held for one call as `useExclusive` would, or undefined (none is idle and
   * ready, an open circuit, shutdown): the call then takes the regular path, which starts one.
   */
  holdIdle(server: string, session: string): HeldCall | undefined {
    if (!this.takesRawCalls(server)) return undefined
    const key = longLivedKey(server, session)
    const idle = this.idleLeases.get(key)
    const held = idle?.at(-1)
    if (!held?.upstream.isOpen) return undefined
    idle!.pop()
    if (idle!.length === 0) this.idleLeases.delete(key)
    clearTimeout(held.idleTimer)
    this.busyLeases.add(held)
    return this.heldCall(server, held.upstream, () => this.returnLease(key, held))
  }

  private async useLongLived<T>(
    server: string,
    session: string,
    fn: (u: Upstream, slot: ContainerSlot) => Promise<T>,
  ): Promise<T> {
    const key = longLivedKey(server, session)
    if ((this.options.replicas?.(server) ?? 1) > 1) return this.useReplicated(key, server, session, fn)
    let entry = this.longLived.get(key)
    if (entry) {
      const current = await entry.upstream.catch(() => undefined)
      if (!current?.isOpen && this.longLived.get(key) === entry) {
        this.longLived.delete(key)
        entry = undefined
      }
    }
    if (!entry) entry = this.createLongLived(key, server, session)
    const live = entry
    this.hold(live)
    try {
      const upstream = await live.upstream
      try {
        // The session's container is not parked: a 2025 session answers its server's requests directly.
        return await fn(upstream, noPark)
      } catch (err) {
        // A connection that can no longer reach its server (a remote one refusing, or that forgot our
        // session) would fail every call: the next call opens another.
        if (classify(err, upstream.isOpen).broken && this.longLived.get(key) === live) {
          this.longLived.delete(key)
          void upstream.close().catch(() => {})
        }
        throw err
      }
    } finally {
      this.release(key, live)
    }
  }

  /**
   * A call on a server with replicas: on the replica with the fewest calls in flight (`ReplicaSet`). A
   * request that provably never left (the replica's address refused the connection) is tried on another
   * replica; any other failure is the caller's: a `tools/call` that may have reached a server is never
   * sent twice (tools are not idempotent in general: a retried "send the e-mail" sends two).
   */
  private async useReplicated<T>(
    key: string,
    server: string,
    session: string,
    fn: (u: Upstream, slot: ContainerSlot) => Promise<T>,
  ): Promise<T> {
    const entry = this.replicated.get(key) ?? this.createReplicated(key, server, session)
    this.holdReplicated(entry)
    try {
      for (let attempt = 0; ; attempt++) {
        const replica = await entry.set.acquire()
        const upstream = replica.upstream!
        replica.outstanding++
        try {
          return await fn(upstream, noPark)
        } catch (err) {
          const c = classify(err, upstream.isOpen)
          if (c.broken) entry.set.takeOut(replica, c.reason ?? 'unreachable')
          if (c.notSent && attempt + 1 < entry.set.replicas.length) continue
          throw err
        } finally {
          replica.outstanding--
        }
      }
    } finally {
      this.releaseReplicated(key, entry)
    }
  }

  /** The replica set of (server, session), its first replica placed now (a CapacityError when it cannot be). */
  private createReplicated(key: string, server: string, session: string): ReplicatedEntry {
    const set = new ReplicaSet({
      server,
      size: this.options.replicas?.(server) ?? 1,
      start: (index) => this.started(server, session, index),
      place: (mustHave) => {
        if (mustHave) return this.takeNow(server)
        try {
          return this.takeNow(server)
        } catch (err) {
          if (err instanceof CapacityError) return undefined
          throw err
        }
      },
      pingIntervalMs: this.options.replicaPingMs ?? REPLICA_PING_MS,
      pingTimeoutMs: this.options.replicaPingTimeoutMs ?? REPLICA_PING_TIMEOUT_MS,
      warn: (line) => this.options.onReplicaEvent?.(line),
    })
    set.fill()
    const entry: ReplicatedEntry = {set, server, session, inFlight: 0}
    this.replicated.set(key, entry)
    return entry
  }

  private holdReplicated(entry: ReplicatedEntry): void {
    entry.inFlight++
    clearTimeout(entry.idleTimer)
  }

  private releaseReplicated(key: string, entry: ReplicatedEntry): void {
    entry.inFlight--
    if (entry.inFlight === 0 && this.options.idleMs > 0) {
      entry.idleTimer = setTimeout(() => {
        if (entry.inFlight === 0 && this.replicated.get(key) === entry) {
          this.replicated.delete(key)
          void entry.set.close()
        }
      }, this.options.idleMs)
      entry.idleTimer.unref()
    }
  }

  /** Start the container of (server, session) under the caps (a CapacityError at once beyond them). */
  private createLongLived(key: string, server: string, session: string): LongLivedEntry {
    const slot = this.takeNow(server)
    const created: LongLivedEntry = {server, session, inFlight: 0, upstream: this.started(server, session)}
    this.longLived.set(key, created)
    created.upstream.then(
      (u) => {
        created.ready = u
        void u.closed.then(() => {
          slot.release()
          if (this.longLived.get(key) === created) this.longLived.delete(key)
        })
      },
      () => {
        slot.release()
        if (this.longLived.get(key) === created) this.longLived.delete(key)
      },
    )
    return created
  }

  /**
   * The long-lived upstream of (server, session) if it is connected and open right now, held like a call
   * in flight until `release` is called; undefined when a call would have to wait for it (then use `use`).
   */
  holdReady(server: string, session: string): HeldCall | undefined {
    if (this.closing) return undefined
    // An open circuit: the regular path fails the call at once, or makes it the probe when it is time.
    // (While a probe runs, holds go on: a subscription held inside the probe call itself needs one.)
    const breaker = this.breakers.get(server)
    if (breaker && (breaker.state === 'open' || (breaker.state === 'half-open' && !breaker.probing)))
      return undefined
    const key = longLivedKey(server, session)
    const replicated = this.replicated.get(key)
    if (replicated) {
      // The replica with the fewest calls in flight, as on the regular path.
      const replica = replicated.set.pick()
      if (!replica) return undefined
      replica.outstanding++
      this.holdReplicated(replicated)
      return this.heldCall(server, replica.upstream!, () => {
        replica.outstanding--
        this.releaseReplicated(key, replicated)
      })
    }
    const live = this.longLived.get(key)
    if (!live?.ready?.isOpen) return undefined
    this.hold(live)
    return this.heldCall(server, live.ready, () => this.release(key, live))
  }

  /**
   * A hold on `upstream` (a raw-path call, a subscription). `release({})` = a call that was answered,
   * `release({error})` = one that failed: the server's breaker hears it; `release()` = nothing to report
   * (a subscription's end, a call that did not take the raw path after all).
   */
  private heldCall(server: string, upstream: Upstream, done: (end?: HeldCallEnd) => void): HeldCall {
    let released = false
    return {
      upstream,
      release: (end) => {
        if (released) return
        released = true
        if (end && !end.unused) {
          // Here the error may be a guard's or the client's: only what says the server failed counts.
          const c = classify(end.error, upstream.isOpen, 'neutral')
          this.breakerOf(server).record(c.outcome, c.reason)
        }
        done(end)
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

  /** Containers currently held (long-lived, exclusive, in-flight per-call and spares), for metrics and tests. */
  get size(): number {
    let leases = this.busyLeases.size
    for (const idle of this.idleLeases.values()) leases += idle.length
    let replicas = 0
    for (const entry of this.replicated.values()) replicas += entry.set.held
    return this.longLived.size + this.perCall.size + leases + this.spares.readyCount + replicas
  }

  /**
   * A read-only snapshot of every server that has had a request or holds a long-lived container: its
   * replicas (containers or remote connections, per session), circuit state, requests, failures and last
   * failure. For `/status` and metrics; see `ServerStatus` (balance/status.ts) for each field.
   */
  serverStatus(): ServerStatus[] {
    const byServer = new Map<string, ServerStatus>()
    const of = (server: string): ServerStatus => {
      let s = byServer.get(server)
      if (!s) {
        const b = this.breakers.get(server)
        s = {
          server,
          replicas: [],
          circuit: b?.state ?? 'closed',
          calls: b?.calls ?? 0,
          errors: b?.errors ?? 0,
          failuresInRow: b?.failuresInRow ?? 0,
          ...(b?.lastError === undefined ? {} : {lastError: b.lastError}),
        }
        byServer.set(server, s)
      }
      return s
    }
    for (const server of this.breakers.keys()) of(server)
    for (const entry of this.replicated.values())
      for (const r of entry.set.replicas)
        of(entry.server).replicas.push({
          container: r.label,
          session: entry.session,
          state: r.state,
          outstanding: r.outstanding,
          ...(r.lastError === undefined ? {} : {lastError: r.lastError}),
        })
    for (const entry of this.longLived.values())
      of(entry.server).replicas.push({
        container: entry.ready?.label ?? 'starting',
        session: entry.session,
        state: entry.ready ? (entry.ready.isOpen ? 'ready' : 'stopped') : 'starting',
        outstanding: entry.inFlight,
      })
    return [...byServer.values()].sort((a, b) => a.server.localeCompare(b.server))
  }

  /** Containers of each server right now (its places under `--max-containers-per-server`), for /status. */
  containersByServer(): Map<string, number> {
    return new Map([...this.slots].map(([server, slots]) => [server, slots.used]))
  }

  /** Containers counted against `--max-containers` right now (those being removed included). */
  get containersHeld(): number {
    return this.global.used
  }

  /** A client session ended: stop its long-lived and idle exclusive containers. */
  async closeSession(session: string): Promise<void> {
    const closing: Promise<unknown>[] = []
    for (const [key, entry] of this.replicated) {
      if (entry.session !== session) continue
      this.replicated.delete(key)
      clearTimeout(entry.idleTimer)
      closing.push(entry.set.close())
    }
    for (const [key, entry] of this.longLived) {
      if (entry.session !== session) continue
      this.longLived.delete(key)
      clearTimeout(entry.idleTimer)
      closing.push(entry.upstream.then((u) => u.close()).catch(() => {}))
    }
    for (const [key, leases] of this.idleLeases) {
      if (leases[0]?.session !== session) continue
      this.idleLeases.delete(key)
      for (const lease of leases) {
        clearTimeout(lease.idleTimer)
        lease.slot.release()
        closing.push(lease.upstream.close().catch(() => {}))
      }
    }
    // Shutdown waits for these too: a remote session's DELETE must go out before the process exits.
    const closed = Promise.all(closing).then(() => {})
    this.removing.add(closed)
    await closed.finally(() => this.removing.delete(closed))
  }

  /**
   * Stop every container of `server`, whichever session holds it (the server was removed or changed by a
   * configuration reload): long-lived and exclusive ones, and per-call ones whose call is in flight (that
   * call fails). The next call starts a fresh container from the configuration of that moment. With
   * `session`, only the containers of that pool session (and its capability scopes `<session>+…`).
   */
  async closeServer(server: string, session?: string): Promise<void> {
    // One session's containers only (a server one session added and removes): `session` and its scopes.
    const mine = (s: string) => session === undefined || s === session || s.startsWith(`${session}+`)
    const closing: Promise<unknown>[] = []
    for (const [key, entry] of this.replicated) {
      if (entry.server !== server || !mine(entry.session)) continue
      this.replicated.delete(key)
      clearTimeout(entry.idleTimer)
      closing.push(entry.set.close())
    }
    for (const [key, entry] of this.longLived) {
      if (entry.server !== server || !mine(entry.session)) continue
      this.longLived.delete(key)
      clearTimeout(entry.idleTimer)
      closing.push(entry.upstream.then((u) => u.close()).catch(() => {}))
    }
    for (const [key, leases] of this.idleLeases) {
      if (leases[0]?.server !== server || !mine(leases[0].session)) continue
      this.idleLeases.delete(key)
      for (const lease of leases) {
        clearTimeout(lease.idleTimer)
        lease.slot.release()
        closing.push(lease.upstream.close().catch(() => {}))
      }
    }
    for (const lease of this.busyLeases)
      if (lease.server === server && mine(lease.session)) closing.push(lease.upstream.close().catch(() => {}))
    if (session === undefined) {
      for (const u of this.perCall) if (u.server === server) closing.push(u.close().catch(() => {}))
      // Spares belong to no session: they go with the server, not with one session's removal.
      closing.push(this.spares.closeServer(server))
    }
    const closed = Promise.all(closing).then(() => {})
    this.removing.add(closed)
    await closed.finally(() => this.removing.delete(closed))
  }

  /** Stop everything. */
  async closeAll(): Promise<void> {
    this.closing = true
    const closing: Promise<unknown>[] = [this.spares.closeAll()]
    for (const entry of this.replicated.values()) {
      clearTimeout(entry.idleTimer)
      closing.push(entry.set.close())
    }
    this.replicated.clear()
    for (const entry of this.longLived.values()) {
      clearTimeout(entry.idleTimer)
      closing.push(entry.upstream.then((u) => u.close()).catch(() => {}))
    }
    this.longLived.clear()
    for (const leases of this.idleLeases.values())
      for (const lease of leases) {
        clearTimeout(lease.idleTimer)
        closing.push(lease.upstream.close().catch(() => {}))
      }
    this.idleLeases.clear()
    for (const lease of this.busyLeases) closing.push(lease.upstream.close().catch(() => {}))
    for (const u of this.perCall) closing.push(u.close().catch(() => {}))
    for (const start of this.starting) closing.push(start.then((u) => u.close()).catch(() => {}))
    closing.push(...this.removing)
    await Promise.all(closing)
  }
}

/** A per-call server with no call for this long has its spare containers closed (or --idle-timeout, if shorter). */
const SPARE_IDLE_MS = 120_000

/** How a held call ended: its error, or `unused` when it never reached the container (a guard refused it). */
export interface HeldCallEnd {
  error?: unknown
  unused?: boolean
}

/** A container held for one raw-path call: `release` once the call ended, saying how. */
export interface HeldCall {
  upstream: Upstream
  release: (end?: HeldCallEnd) => void
}

/** `--circuit-failures` and `--circuit-cooldown` defaults. */
export const DEFAULT_CIRCUIT_FAILURES = 5
export const DEFAULT_CIRCUIT_COOLDOWN_MS = 30_000
/** Idle replicas are pinged this often, and taken out when a ping takes longer than the timeout. */
const REPLICA_PING_MS = 15_000
const REPLICA_PING_TIMEOUT_MS = 5000

/** The slot handed to calls on a session's long-lived container, which is never parked. */
const noPark: ContainerSlot = {park: () => false}
