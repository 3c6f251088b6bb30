import {promises as dns} from 'node:dns'
import {isIP} from 'node:net'
import {networkInterfaces} from 'node:os'

import {UsageError} from '../../../errors.js'
import {formatAddress, replicaTag} from './session-id.js'

/**
 * The peer set: where the other replicas are, found the way the engine publishes them.
 *
 * `--peers` lists names and addresses, comma-separated: `tasks.gateway:8811` (Swarm's per-task DNS name),
 * `gateway-headless.team.svc.cluster.local:8811` (a Kubernetes headless Service), `10.0.0.5:8811`. A name
 * is resolved to all its A/AAAA records, again every few seconds and whenever a session names a replica
 * not in the set (a replica that just started), so replicas come and go with the engine's service
 * discovery. Forwarding goes only to addresses in this set: it is the one source of the tag → address map.
 */

/** One item of `--peers`: an IP literal or a DNS name, and the port the replicas listen on. */
export interface PeerSource {
  host: string
  port: number
  /** A DNS name (resolved periodically) rather than an IP literal. */
  name: boolean
}

/** A replica reachable at `address` (host:port), owner of the session ids tagged `tag`. */
export interface Peer {
  host: string
  port: number
  address: string
  tag: string
}

/** Parse `--peers` (`host[:port]` items, comma-separated; IPv6 in brackets); `port` is the default port. */
export function parsePeerSpec(spec: string, port: number): PeerSource[] {
  const items = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (items.length === 0)
    throw new UsageError(`--peers "${spec}" names no replica: give host:port items or a DNS name`)
  return items.map((item) => parseHostPort(item, port, '--peers'))
}

/** `host[:port]` or `[v6]:port` or a bare IPv6 literal; `flag` names the source in errors. */
export function parseHostPort(item: string, defaultPort: number, flag: string): PeerSource {
  let host = item
  let port = defaultPort
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(item)
  if (bracketed) {
    host = bracketed[1]!
    if (bracketed[2]) port = Number(bracketed[2])
  } else if (isIP(item) !== 6) {
    const m = /^([^:]+):(\d+)$/.exec(item)
    if (m) {
      host = m[1]!
      port = Number(m[2])
    } else if (item.includes(':')) {
      throw new UsageError(
        `${flag}: "${item}" is not host:port (an IPv6 address goes in brackets: [::1]:8811)`,
      )
    }
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`${flag}: "${item}" has no valid port (1-65535)`)
  }
  if (isIP(host) === 0 && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(host)) {
    throw new UsageError(`${flag}: "${item}" is neither an IP address nor a DNS name`)
  }
  return {host: host.toLowerCase(), port, name: isIP(host) === 0}
}

/**
 * The address peers reach this replica at: `--advertise`, else the listen address when it is a specific
 * one, else the first non-loopback IPv4 address of the machine (a container's address on its network).
 */
export function advertisedAddress(
  advertise: string | undefined,
  listen: {host: string; port: number},
  interfaces: () => ReturnType<typeof networkInterfaces> = networkInterfaces,
): {host: string; port: number} {
  if (advertise) {
    const parsed = parseHostPort(advertise, listen.port, '--advertise')
    if (parsed.name)
      throw new UsageError(`--advertise "${advertise}" must be an IP address (as peers resolve it)`)
    return {host: parsed.host, port: parsed.port}
  }
  if (listen.port === 0) throw new UsageError('--peers needs a fixed --port, or --advertise host:port')
  const wildcard = ['0.0.0.0', '::', ''].includes(listen.host)
  if (!wildcard && isIP(listen.host)) return {host: listen.host, port: listen.port}
  for (const addresses of Object.values(interfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === 'IPv4' && !a.internal) return {host: a.address, port: listen.port}
    }
  }
  throw new UsageError('cannot tell the address peers reach this replica at: give --advertise host:port')
}

export type Lookup = (name: string) => Promise<string[]>

const systemLookup: Lookup = async (name) =>
  (await dns.lookup(name, {all: true, verbatim: true})).map((a) => a.address)

function peerAt(host: string, port: number): Peer {
  const address = formatAddress(host, port)
  return {host, port, address, tag: replicaTag(address)}
}

/** The resolved peer set, refreshed periodically and on demand (see above). */
export class PeerSet {
  private byTag = new Map<string, Peer>()
  /** The last addresses each name resolved to: kept when a lookup fails (a DNS hiccup is not a departure). */
  private readonly lastResolved = new Map<string, string[]>()
  private lastRefresh = 0
  private refreshing: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly sources: PeerSource[],
    private readonly options: {
      lookup?: Lookup
      /** Resolve names again this often. */
      refreshMs?: number
      /** Resolve again on demand (an unknown tag) at most this often. */
      minRefreshMs?: number
      onError?: (message: string) => void
      now?: () => number
    } = {},
  ) {}

  /** Every peer now, this replica included when it is in the set. */
  list(): Peer[] {
    return [...this.byTag.values()]
  }

  /** The peer tagged `tag` in the current set, without resolving again. */
  get(tag: string): Peer | undefined {
    return this.byTag.get(tag)
  }

  /**
   * The peer tagged `tag`; when none is, resolve again first (rate-limited: a forged id costs at most one
   * lookup per `minRefreshMs`, and never a connection).
   */
  async find(tag: string): Promise<Peer | undefined> {
    const known = this.byTag.get(tag)
    if (known) return known
    const now = (this.options.now ?? Date.now)()
    if (now - this.lastRefresh < (this.options.minRefreshMs ?? 1000)) return undefined
    await this.refresh()
    return this.byTag.get(tag)
  }

  /** Resolve every source now (one resolution at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= this.resolve().finally(() => (this.refreshing = undefined))
    return this.refreshing
  }

  private async resolve(): Promise<void> {
    this.lastRefresh = (this.options.now ?? Date.now)()
    const lookup = this.options.lookup ?? systemLookup
    const next = new Map<string, Peer>()
    await Promise.all(
      this.sources.map(async (source) => {
        let hosts = [source.host]
        if (source.name) {
          try {
            hosts = await lookup(source.host)
            this.lastResolved.set(source.host, hosts)
          } catch (err) {
            // NXDOMAIN while a service has no task is a real empty set; other failures keep what we had.
            const code = (err as NodeJS.ErrnoException).code
            hosts = code === 'ENOTFOUND' ? [] : (this.lastResolved.get(source.host) ?? [])
            if (code !== 'ENOTFOUND')
              this.options.onError?.(`peers: cannot resolve ${source.host}: ${(err as Error).message}`)
          }
        }
        for (const host of hosts) {
          const peer = peerAt(host.toLowerCase(), source.port)
          next.set(peer.tag, peer)
        }
      }),
    )
    this.byTag = next
  }

  /** Resolve now and then every `refreshMs` (the timer does not hold the process open). */
  async start(): Promise<void> {
    await this.refresh()
    const every = this.options.refreshMs ?? 5000
    this.timer = setInterval(() => void this.refresh(), every)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
  }
}
