import http from 'node:http'

import type {SSEServerTransport} from '@modelcontextprotocol/server-legacy/sse'

import {readBody} from '../body.js'
import type {Logger} from '../../logger.js'
import {forward, HOP_HEADER, reachable} from './forward.js'
import {advertisedAddress, parsePeerSpec, PeerSet, type Lookup, type Peer} from './peers.js'
import {formatAddress, ownedSessionId, ownerTag, replicaTag} from './session-id.js'

export {HOP_HEADER} from './forward.js'

/**
 * Replicas without sticky sessions (`--peers`): this replica's part of a set of gateway processes behind a
 * load balancer that spreads requests round-robin.
 *
 * - 2026-07-28 requests are stateless: served wherever they land (nothing here).
 * - A 2025-era session (Streamable HTTP `Mcp-Session-Id`, SSE `sessionId`) lives where it was opened; its id
 *   carries that replica's tag (session-id.ts). A request on a session owned by another replica is relayed
 *   to it (forward.ts), with the client's own credentials, once: a relayed request carries HOP_HEADER and is
 *   never relayed again. The owner's address comes only from the resolved peer set (peers.ts); an id whose
 *   tag is in no peer's address, or whose owner cannot be reached, is an unknown session (404), and the
 *   client starts a new one with initialize, as the MCP spec says.
 * - Stopping (SIGTERM): `/ready` says 503 and the load balancer stops sending; a request that still comes in
 *   on a kept-alive connection and belongs to no session of ours is handed to another replica instead of
 *   being refused, so that no call is lost during a rolling update; requests on our own sessions are served
 *   until the process ends.
 */

export interface ReplicaOptions {
  /** `--peers` (or MCP_GATEWAY_PEERS): names and host:port items, comma-separated. */
  peers?: string | undefined
  /** `--advertise` (or MCP_GATEWAY_ADVERTISE): host:port peers reach this replica at. */
  advertise?: string | undefined
}

/** The replica options from flags, falling back to the environment (compose and stack files set it). */
export function replicaOptions(flags: ReplicaOptions, env: NodeJS.ProcessEnv): ReplicaOptions | undefined {
  const peers = flags.peers ?? (env.MCP_GATEWAY_PEERS?.trim() || undefined)
  const advertise = flags.advertise ?? (env.MCP_GATEWAY_ADVERTISE?.trim() || undefined)
  return peers || advertise ? {peers, advertise} : undefined
}

export interface ClusterOptions extends ReplicaOptions {
  /** Where this replica listens (`--host`, `--port`). */
  host: string
  port: number
  maxBodyBytes: number
  logger: Logger
  /** For tests: resolve names with this instead of the system resolver. */
  lookup?: Lookup
  refreshMs?: number
}

/** Requests relayed by this replica, by outcome (served on /metrics). */
interface Counts {
  forwarded: number
  ownerGone: number
  unknownOwner: number
  failed: number
  received: number
  handedOff: number
}

/** What a stopping replica does with a request (see `whileStopping`). */
export type DrainDecision = 'local' | 'handled' | 'refuse'

/** A stopping replica closes its connections once no request came for this long (see `drain`). */
export const QUIET_MS = 1000

function badGateway(res: http.ServerResponse, message: string): void {
  if (res.headersSent) return void res.destroy()
  const text = JSON.stringify({jsonrpc: '2.0', id: null, error: {code: -32000, message}})
  res
    .writeHead(502, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)})
    .end(text)
}

export class Cluster {
  readonly tag: string
  readonly address: string
  private readonly peers: PeerSet
  private readonly agent = new http.Agent({keepAlive: true, timeout: 10_000})
  private readonly counts: Counts = {
    forwarded: 0,
    ownerGone: 0,
    unknownOwner: 0,
    failed: 0,
    received: 0,
    handedOff: 0,
  }
  /** Requests under way that end by themselves (not event streams), for the drain. */
  private inFlight = 0
  /** When the last request came in since this replica began stopping. */
  private lastRequestAt: number | undefined

  constructor(private readonly options: ClusterOptions) {
    const own = advertisedAddress(options.advertise, {host: options.host, port: options.port})
    this.address = formatAddress(own.host, own.port)
    this.tag = replicaTag(this.address)
    const sources = parsePeerSpec(options.peers ?? this.address, options.port)
    this.peers = new PeerSet(sources, {
      lookup: options.lookup,
      refreshMs: options.refreshMs,
      onError: (m) => options.logger.warn(`  - ${m}`),
    })
  }

  /** Resolve the peers once and keep them fresh; warns when this replica is not among them. */
  async start(): Promise<void> {
    await this.peers.start()
    const {logger} = this.options
    const others = this.others().length
    logger.info(`> Replica ${this.tag} at ${this.address}: ${others} peer${others === 1 ? '' : 's'} now`)
    if (!this.peers.get(this.tag)) {
      logger.warn(
        `  - --advertise ${this.address} is not in the peer set (${
          this.peers
            .list()
            .map((p) => p.address)
            .join(', ') || 'empty'
        }): other replicas cannot reach this one's sessions; set --advertise to the address --peers resolves to`,
      )
    }
  }

  /** The id of a new 2025-era session opened here. */
  newSessionId(): string {
    return ownedSessionId(this.tag)
  }

  /**
   * Give an SSE session an id of ours. The SDK's SSEServerTransport draws a UUID in its constructor and
   * offers no option; it reads the field only when the stream starts (the `endpoint` event) and when asked,
   * so setting it before `connect` is enough (test/unit/cluster.test.ts checks the endpoint event).
   */
  nameSseSession(transport: SSEServerTransport): string {
    const id = this.newSessionId()
    ;(transport as unknown as {_sessionId: string})._sessionId = id
    return id
  }

  /**
   * A request on session `sessionId`: relay it to the owner when that is another replica. Resolves true
   * when the request was answered here (relayed, or `unknown()` called: owner not in the peer set, or gone),
   * false when the session is ours (or the request was relayed to us already) and is served locally.
   */
  async route(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    sessionId: string,
    unknown: () => void,
  ): Promise<boolean> {
    if (req.headers[HOP_HEADER] !== undefined) {
      this.counts.received++
      return false
    }
    const tag = ownerTag(sessionId)
    if (!tag || tag === this.tag) return false
    const peer = await this.peers.find(tag)
    if (!peer) {
      this.counts.unknownOwner++
      unknown()
      return true
    }
    const body = await this.bodyOf(req)
    const outcome = await this.relay(req, res, peer, body)
    // The owner broke the connection before answering: if it is gone, so is the session (404: the client
    // starts a new one, as the spec says); if it still listens, that was a fault of this one request (502).
    if (outcome === 'unreachable' || (outcome === 'failed' && !(await reachable(peer)))) {
      this.counts.ownerGone++
      this.options.logger.debug(`http: the replica owning session ${sessionId} (${peer.address}) is gone`)
      unknown()
    } else if (outcome === 'failed') {
      this.counts.failed++
      badGateway(res, 'the replica that owns this session broke the connection during the request')
    } else this.counts.forwarded++
    return true
  }

  /**
   * A request that reached this replica after it began stopping. Requests on a session (ours are served
   * until we exit; others' are relayed to their owner) go on as usual: `local`. An event stream without a
   * session (GET) is refused (the client or load balancer retries elsewhere; relaying it would cut it when
   * this process ends). Any other request (a stateless call, an initialize) is handed to another replica.
   */
  whileStopping(req: http.IncomingMessage, res: http.ServerResponse, url: URL): DrainDecision {
    // This connection ends after the answer: the load balancer opens its next one to a live replica.
    res.shouldKeepAlive = false
    this.lastRequestAt = Date.now()
    const session =
      req.headers['mcp-session-id'] ?? url.searchParams.get('sessionId') ?? url.searchParams.get('sessionid')
    // Checked before the hop marker: a request relayed to us on one of our sessions is served to the end.
    if (session) return 'local'
    // Handed to us by another stopping replica: not handed on again.
    if (req.headers[HOP_HEADER] !== undefined || req.method !== 'POST') return 'refuse'
    const others = this.others()
    if (others.length === 0) return 'refuse'
    void this.handOff(req, res, others).catch((err: Error) => {
      this.options.logger.warn(`  - http: handing a request to another replica failed: ${err.message}`)
      if (!res.headersSent)
        res.writeHead(503, {'content-type': 'application/json'}).end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: null,
            error: {code: -32000, message: 'the gateway is shutting down'},
          }),
        )
      else res.destroy()
    })
    return 'handled'
  }

  private async handOff(req: http.IncomingMessage, res: http.ServerResponse, others: Peer[]): Promise<void> {
    const body = await this.bodyOf(req)
    // Start at a random peer: a whole load balancer's worth of requests should not all go to the first.
    const start = Math.floor(Math.random() * others.length)
    for (let i = 0; i < others.length; i++) {
      const peer = others[(start + i) % others.length]!
      const outcome = await this.relay(req, res, peer, body)
      // Broken after it was sent: it may have run there, so it is not tried anywhere else.
      if (outcome === 'failed')
        return badGateway(res, 'the replica the request was handed to broke the connection')
      if (outcome !== 'unreachable') {
        this.counts.handedOff++
        return
      }
    }
    throw new Error('no other replica answered')
  }

  /** The other replicas in the peer set now. */
  others(): Peer[] {
    return this.peers.list().filter((p) => p.tag !== this.tag)
  }

  private bodyOf(req: http.IncomingMessage): Promise<Buffer | undefined> {
    return req.method === 'POST' ? readBody(req, this.options.maxBodyBytes) : Promise.resolve(undefined)
  }

  private relay(req: http.IncomingMessage, res: http.ServerResponse, peer: Peer, body: Buffer | undefined) {
    return forward(req, res, peer, {agent: this.agent, hop: this.tag, body})
  }

  /**
   * Count a request until its answer ends, for the drain: every request but event streams (GET), which
   * stay open as long as their client holds them (the client reconnects them elsewhere and resumes).
   */
  track(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method === 'GET') return
    this.inFlight++
    res.once('close', () => this.inFlight--)
  }

  /**
   * Wait (at most `ms`) until the load balancer has stopped sending here (no request for QUIET_MS) and the
   * requests that came in meanwhile have ended. The listening socket is closed already, but the load
   * balancer's kept-alive connections are not: it still sends on them until it has marked this replica
   * down, and each request that comes that way is served or handed on, its connection closed after the
   * answer. Closing those connections at once would race the load balancer's next request on one of them,
   * and a POST lost that way cannot be retried safely.
   */
  async drain(ms: number): Promise<void> {
    const deadline = Date.now() + ms
    this.lastRequestAt ??= Date.now()
    while (Date.now() < deadline && (this.inFlight > 0 || Date.now() - this.lastRequestAt < QUIET_MS)) {
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  /** Prometheus text for /metrics (appended to the gateway's own). */
  metricsText(): string {
    const c = this.counts
    return [
      '# HELP mcp_gateway_replica_forwarded_requests_total Requests on sessions of another replica, relayed to it, by outcome',
      '# TYPE mcp_gateway_replica_forwarded_requests_total counter',
      `mcp_gateway_replica_forwarded_requests_total{outcome="answered"} ${c.forwarded}`,
      `mcp_gateway_replica_forwarded_requests_total{outcome="owner_gone"} ${c.ownerGone}`,
      `mcp_gateway_replica_forwarded_requests_total{outcome="unknown_owner"} ${c.unknownOwner}`,
      `mcp_gateway_replica_forwarded_requests_total{outcome="failed"} ${c.failed}`,
      '# HELP mcp_gateway_replica_received_requests_total Requests relayed to this replica by another',
      '# TYPE mcp_gateway_replica_received_requests_total counter',
      `mcp_gateway_replica_received_requests_total ${c.received}`,
      '# HELP mcp_gateway_replica_handed_off_requests_total Requests handed to another replica while this one was stopping',
      '# TYPE mcp_gateway_replica_handed_off_requests_total counter',
      `mcp_gateway_replica_handed_off_requests_total ${c.handedOff}`,
      '# HELP mcp_gateway_replica_peers Replicas in the resolved peer set, this one included',
      '# TYPE mcp_gateway_replica_peers gauge',
      `mcp_gateway_replica_peers ${this.peers.list().length}`,
      '',
    ].join('\n')
  }

  close(): void {
    this.peers.stop()
    this.agent.destroy()
  }
}

/** A started cluster for `gateway run`, or undefined when no replica option is set. */
export async function startCluster(
  flags: ReplicaOptions,
  env: NodeJS.ProcessEnv,
  listen: {host: string; port: number; maxBodyBytes: number},
  logger: Logger,
): Promise<Cluster | undefined> {
  const replica = replicaOptions(flags, env)
  if (!replica) return undefined
  const cluster = new Cluster({...replica, ...listen, logger})
  await cluster.start()
  return cluster
}
