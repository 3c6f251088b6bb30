/**
 * `/status` on the HTTP front door (authenticated like `/metrics`): every server the gateway serves, with
 * its state, containers, calls and errors and its last error, as one JSON document for operators and
 * scripts. `/health` stays the cheap liveness probe and `/ready` the readiness one (../health.ts).
 *
 * What the gateway core knows is filled here; parts that know more about a server (its replicas, a circuit
 * breaker) plug in as `ServerStatusProvider`s, whose fields are merged into each server's entry.
 */
import type {GatewayServer} from '../gateway.js'
import type {ObserveOptions} from '../pipeline/observe.js'
import type {ServerListing} from '../listing.js'

/** One server in `/status` (fields documented in README.md, "Observability"). */
export interface ServerStatus {
  name: string
  /** `container` (run by the gateway on the engine) or `remote` (a URL). */
  kind: 'container' | 'remote'
  /** `long-lived` (one container per client session, reused) or `per-call` (a fresh container per call). */
  lifecycle: 'long-lived' | 'per-call'
  /** `ready` (listed), `starting` (being listed), `failed` (could not be listed) or `unavailable` (cannot run). */
  state: string
  /** Tools it offers (before allowlists and renames). */
  tools: number
  /** Its containers held now (long-lived, per-call in flight, spares). */
  containers: number
  /** Tool calls answered since the gateway started, and how many of them failed. */
  calls: number
  errors: number
  /** Why it last failed (listing, start, or a call), or null. */
  lastError: string | null
  /** From providers: replicas, circuit breaker state, … */
  [extra: string]: unknown
}

export interface StatusReport {
  time: string
  servers: ServerStatus[]
  /** Containers held by this gateway now, all servers together. */
  containers: number
}

/**
 * What a part of the gateway adds to each server's entry, by server name: e.g. `{replicas: {...}, circuit:
 * {state: 'open', ...}}` from the pool's `serverStatus()`. Its fields override the core's of the same name.
 */
export interface ServerStatusProvider {
  serverStatus(): ReadonlyMap<string, Readonly<Record<string, unknown>>>
}

/** Per-server counts of tool calls and failures, fed by the call pipeline's observer. */
export class CallCounts {
  private readonly counts = new Map<string, {calls: number; errors: number; lastError?: string}>()

  constructor(private readonly enabled = true) {}

  /** An observer for GatewayOptions.observeCall that counts, then tells `next` (metrics). */
  observer(next?: ObserveOptions['observeCall']): ObserveOptions['observeCall'] {
    if (!this.enabled) return next
    return (server, tool, seconds, ok, caller, failure) => {
      let count = this.counts.get(server)
      if (!count) this.counts.set(server, (count = {calls: 0, errors: 0}))
      count.calls++
      if (!ok) {
        count.errors++
        count.lastError = failure ?? 'the call failed'
      }
      next?.(server, tool, seconds, ok, caller, failure)
    }
  }

  of(server: string): {calls: number; errors: number; lastError?: string | undefined} {
    return this.counts.get(server) ?? {calls: 0, errors: 0}
  }
}

/** What `/status` reads: the gateway and its live configuration. */
export interface StatusSources {
  /** The servers served now (hot reload changes them). */
  servers: () => readonly GatewayServer[]
  remotes: ReadonlyMap<string, unknown>
  /** Servers that cannot run, with the reason (a missing image, the engine away). */
  unavailable: ReadonlyMap<string, string>
  gateway: {
    readonly failedServers: ReadonlyMap<string, string>
    listingOf(server: string): ServerListing | undefined
    readonly pool: {readonly size: number; containersByServer(): ReadonlyMap<string, number>}
  }
  calls: CallCounts
  providers?: readonly ServerStatusProvider[] | undefined
}

/** The `/status` document now. */
export function statusReport(sources: StatusSources): StatusReport {
  const {gateway, calls} = sources
  const containers = gateway.pool.containersByServer()
  const extras = (sources.providers ?? []).map((p) => p.serverStatus())
  const servers = sources.servers().map((server): ServerStatus => {
    const {name} = server
    const unavailable = sources.unavailable.get(name)
    const failed = gateway.failedServers.get(name)
    const listing = gateway.listingOf(name)
    const count = calls.of(name)
    const entry: ServerStatus = {
      name,
      kind: sources.remotes.has(name) ? 'remote' : 'container',
      lifecycle: server.longLived ? 'long-lived' : 'per-call',
      state: unavailable ? 'unavailable' : failed ? 'failed' : listing ? 'ready' : 'starting',
      tools: listing?.tools.length ?? 0,
      containers: containers.get(name) ?? 0,
      calls: count.calls,
      errors: count.errors,
      lastError: unavailable ?? failed ?? count.lastError ?? null,
    }
    for (const extra of extras) Object.assign(entry, extra.get(name))
    return entry
  })
  return {time: new Date().toISOString(), servers, containers: gateway.pool.size}
}
