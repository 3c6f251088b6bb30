import {randomUUID} from 'node:crypto'
import http from 'node:http'
import net, {type AddressInfo} from 'node:net'

import {NodeStreamableHTTPServerTransport, toNodeHandler, toWebRequest} from '@modelcontextprotocol/node'
import {createMcpHandler, isLegacyRequest, type Server, type Transport} from '@modelcontextprotocol/server'
import {SSEServerTransport} from '@modelcontextprotocol/server-legacy/sse'

import {DockerMcpError} from '../errors.js'
import type {Gateway} from './gateway.js'
import {BodyTooLarge, discardBody, NOT_JSON, readJsonBody} from './http/body.js'
import {limitConnections, timeoutOptions} from './http/connections.js'
import {RESUME_RETRY_MS, SessionEventStore} from './http/event-store.js'
import {
  checkHost,
  checkOrigin,
  isLoopback,
  isOAuthDiscoveryPath,
  NO_OAUTH,
  resolveAuthToken,
} from './http/guards.js'
import {sessionOwner, staticTokenAuthenticator, type Authenticator} from './http/auth.js'
import type {NamedTokens} from './http/named-tokens.js'
import {createFrontDoorServer, DEFAULT_FRONT_DOOR, type FrontDoorOptions} from './http/front-door.js'
import {publicViewOf, resolvePublicView} from './http/proxy.js'
import {RawHttpCalls} from './http/raw-post.js'
import {RawStatelessCalls} from './http/stateless.js'
import type {Caller} from './session/caller.js'
import type {Cluster} from './http/cluster/index.js'
import {probe} from './health.js'
import {SessionTable} from './http/sessions.js'
import type {Logger} from './logger.js'
import type {GatewayMetrics} from './metrics.js'

export {generateToken, isLoopback, resolveAuthToken, tokenMatches} from './http/guards.js'

export interface HttpOptions {
  transport: 'sse' | 'streaming'
  port: number
  host: string
  allowUnauthenticated: boolean
  /** `MCP_GATEWAY_AUTH_TOKEN`; generated when absent or blank. */
  token?: string | undefined
  maxBodyBytes: number
  metrics: boolean
  logger: Logger
  /** Open TCP connections at most (`--max-connections`). */
  maxConnections: number
  /** 2025-era sessions (Streamable HTTP and SSE) open at once (`--max-sessions`). */
  maxSessions: number
  /** The same, per credential (`--max-sessions-per-token`). */
  maxSessionsPerToken: number
  /** Close a session with no request and no open stream for this long; 0 = never (`--session-idle-timeout`). */
  sessionIdleMs: number
  /** Close a session whose client's event stream is gone, with no request, after this long; 0 = off (`--session-ttl`). */
  sessionTtlMs?: number | undefined
  /**
   * Who may call, and as whom (src/gateway/http/auth.ts). Default: the one gateway token (`token`), or
   * anybody with `allowUnauthenticated`.
   */
  authenticator?: Authenticator | undefined
  /** Named tokens (`gateway token create`), accepted by the default authenticator beside `token`. */
  namedTokens?: NamedTokens | undefined
  /** Per-identity request limit (src/gateway/policy/limits.ts): a refusal is answered 429 with Retry-After. */
  throttle?: ((caller: Caller) => {retryAfterSeconds: number; message: string} | undefined) | undefined
  /** TLS, trusted proxies and public names (src/gateway/http/front-door.ts); default plain HTTP, no proxy. */
  frontDoor?: FrontDoorOptions | undefined
  /** `/status` (src/gateway/observe/status.ts): every server's state, containers, calls and errors. */
  status?: (() => unknown) | undefined
  /** Replicas without sticky sessions (`--peers`, src/gateway/http/cluster/): session ids and forwarding. */
  cluster?: Cluster | undefined
}

export interface HttpGateway {
  url: string
  port: number
  token: string | undefined
  /** Refuse new requests (503) and stop listening; requests under way go on. */
  stopAccepting(): void
  close(): Promise<void>
}

/**
 * How long a replica's close waits for requests under way (a tool call starting a container on a loaded
 * machine takes seconds): under Kubernetes' default grace period (30 s); Swarm's (10 s) needs stop_grace_period.
 */
const DRAIN_MS = 25_000

/** How long a refused request body is read and thrown away before the 413 is sent anyway. */
const DISCARD_MS = 2000

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

function rpcError(
  res: http.ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  id: unknown = null,
): void {
  sendJson(res, status, {jsonrpc: '2.0', id, error: {code: -32000, message}}, headers)
}

/** A request refused before it is trusted: the connection is closed after the answer (no keep-alive). */
function refuse(
  res: http.ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  rpcError(res, status, message, {...headers, connection: 'close'})
}

function parseError(res: http.ServerResponse): void {
  sendJson(res, 400, {
    jsonrpc: '2.0',
    id: null,
    error: {code: -32700, message: 'Parse error: body is not JSON'},
  })
}

/**
 * What the SDK hands a 2026-07-28 request's handlers as `authInfo`: the caller, and for OAuth its client,
 * scopes and expiry. Never the token itself: nothing past the front door needs it.
 */
function authInfoOf(caller: Caller | undefined) {
  const exp = caller?.claims?.exp
  return {
    token: '',
    clientId: caller?.clientId ?? '',
    scopes: [...(caller?.scopes ?? [])],
    ...(typeof exp === 'number' ? {expiresAt: exp} : {}),
    extra: {caller},
  }
}

/** The JSON-RPC id of a single request body, for error answers that name it. */
function requestId(parsed: unknown): unknown {
  const id = (parsed as {id?: unknown} | undefined)?.id
  return typeof id === 'string' || typeof id === 'number' ? id : null
}

/**
 * Serve the gateway over HTTP: Streamable HTTP on /mcp (2025-era sessions and 2026-07-28 stateless
 * requests on the same endpoint), the legacy HTTP+SSE transport on /sse, /health, and optionally /metrics.
 * Secure by default: loopback bind, bearer token, local Origin/Host only, capped bodies, bounded
 * connections and sessions.
 */
export async function serveHttp(
  gateway: Gateway,
  options: HttpOptions,
  metrics?: GatewayMetrics,
): Promise<HttpGateway> {
  const {logger, cluster} = options
  // Another authenticator (OAuth) replaces the one token: none is generated or printed then.
  const auth =
    options.allowUnauthenticated || options.authenticator ? undefined : resolveAuthToken(options.token)
  const token = auth?.token
  const authenticator = options.authenticator ?? staticTokenAuthenticator(token, options.namedTokens)
  /** Who sent each admitted request (set once its credentials are checked). */
  const callers = new WeakMap<http.IncomingMessage, Caller>()
  const loopback = isLoopback(options.host)
  if (options.allowUnauthenticated && !loopback) {
    logger.warn(
      `!!! WARNING: serving on ${options.host} WITHOUT authentication: anyone who can reach this port can run your MCP servers' tools. !!!`,
    )
  }
  if (auth?.generated && options.token !== undefined) {
    logger.warn('  - MCP_GATEWAY_AUTH_TOKEN is empty: using a generated token instead')
  }
  let ready = false
  let stopping = false
  void gateway.ready.then(() => (ready = true))

  const sessions = new SessionTable({
    maxSessions: options.maxSessions,
    maxPerOwner: options.maxSessionsPerToken,
    idleMs: options.sessionIdleMs,
    ttlMs: options.sessionTtlMs ?? 0,
  })
  const sweepEvery = Math.min(
    ...[options.sessionIdleMs, options.sessionTtlMs ?? 0].filter((ms) => ms > 0).map((ms) => ms / 2),
  )
  const sweeper = Number.isFinite(sweepEvery)
    ? setInterval(
        () =>
          void sessions.sweep().then((ids) => {
            for (const id of ids) logger.debug(`http: closed idle or abandoned session ${id}`)
          }),
        Math.max(100, Math.min(30_000, sweepEvery)),
      )
    : undefined
  sweeper?.unref()

  /**
   * Whose session this is, for the per-credential cap: the caller the front door admitted (keyed by who it
   * is, not the header's spelling, so "bearer" vs "Bearer" is no way around the cap), or the peer address
   * when authentication is off.
   */
  const callerOf = (req: http.IncomingMessage): Caller | undefined => callers.get(req)
  const ownerOf = (req: http.IncomingMessage): string => sessionOwner(callers.get(req)!, req)
  /**
   * Who opened each session. A session id is not a credential: a request on a session must come from the
   * caller who opened it (MCP authorization, "bind session IDs to user-specific information"), or one OAuth
   * user who learns another's session id would act in that session, with its tool list and policy.
   */
  const openedBy = new Map<string, string>()
  const strayCaller = (id: string, req: http.IncomingMessage): boolean => {
    const caller = callers.get(req)
    return caller !== undefined && caller.via !== 'none' && openedBy.get(id) !== caller.id
  }

  /**
   * Track a request (or stream) on a session until its response closes: an active session never expires.
   * An event stream (GET) also marks the session as one whose client holds a stream while it is there.
   */
  const track = (id: string, req: http.IncomingMessage, res: http.ServerResponse) =>
    res.once('close', sessions.begin(id, {stream: req.method === 'GET'}))

  const legacySessions = new Map<string, NodeStreamableHTTPServerTransport>()
  const sseSessions = new Map<string, SSEServerTransport>()
  // The hot path: tool calls on an established session, without the SDK transports (http/raw-post.ts).
  const raw = new RawHttpCalls(gateway)
  const rawServers = new WeakMap<NodeStreamableHTTPServerTransport, Server>()
  // 2026-07-28 stateless tool calls without an SDK server per request (http/stateless.ts).
  const rawStateless = new RawStatelessCalls(gateway)
  // Each stateless request carries its caller to its one-request session (the SDK hands `req.auth` over).
  const modern = createMcpHandler(
    (ctx) =>
      gateway.createSession('stateless', {
        ephemeral: true,
        caller: (ctx.authInfo?.extra as {caller?: Caller} | undefined)?.caller,
      }),
    {
      legacy: 'reject',
      maxRequestBodySize: options.maxBodyBytes,
      onerror: (err) => logger.debug(`http: ${err.message}`),
    },
  )
  const modernNode = toNodeHandler(modern, {maxRequestBodySize: options.maxBodyBytes})
  const resourceUpdated = ({uri}: {uri: string}) => modern.notify.resourceUpdated(uri)
  gateway.onListChanged((kind) => {
    if (kind === 'tools') modern.notify.toolsChanged()
    else if (kind === 'prompts') modern.notify.promptsChanged()
    else modern.notify.resourcesChanged()
  })

  const endpoint = options.transport === 'sse' ? '/sse' : '/mcp'

  const handleMcp = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const sessionHeader = req.headers['mcp-session-id']
    const sessionId = Array.isArray(sessionHeader) ? sessionHeader[0] : sessionHeader
    if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') {
      return rpcError(res, 405, `method ${req.method} is not allowed on /mcp`, {allow: 'GET, POST, DELETE'})
    }
    const unknownSession = () =>
      rpcError(res, 404, `unknown session ${sessionId}: start a new one with initialize`)
    // Another replica's session: relayed to it (before the body is read here).
    if (sessionId && (await cluster?.route(req, res, sessionId, unknownSession))) return
    let parsed: unknown
    if (req.method === 'POST') {
      parsed = await readJsonBody(req, options.maxBodyBytes)
      if (parsed === NOT_JSON) return parseError(res)
    }
    if (sessionId) {
      const transport = legacySessions.get(sessionId)
      if (!transport || strayCaller(sessionId, req)) return unknownSession()
      track(sessionId, req, res)
      if (raw.streamable(req, res, sessionId, rawServers.get(transport), parsed)) return
      return transport.handleRequest(req, res, parsed)
    }
    if (rawStateless.take(req, res, parsed, callerOf(req))) return
    const web = await toWebRequest(req, parsed, {maxRequestBodySize: options.maxBodyBytes})
    if (!(await isLegacyRequest(web, parsed, {maxRequestBodySize: options.maxBodyBytes}))) {
      // A listen stream's resource subscriptions are held upstream while its response is open.
      const endListen = gateway.subscriptions.listenStarted('stateless', parsed, resourceUpdated)
      if (endListen) res.once('close', endListen)
      ;(req as {auth?: unknown}).auth = authInfoOf(callerOf(req))
      return modernNode(req, res, parsed)
    }
    // 2025 era: a new session starts with initialize; anything else needs its session id.
    const isInitialize =
      !Array.isArray(parsed) && (parsed as {method?: string} | undefined)?.method === 'initialize'
    if (req.method !== 'POST' || !isInitialize) {
      return rpcError(
        res,
        400,
        'no Mcp-Session-Id: send initialize first (or use protocol revision 2026-07-28)',
      )
    }
    const owner = ownerOf(req)
    const refused = sessions.refusal(owner)
    if (refused) {
      return rpcError(res, refused.status, refused.message, {'retry-after': '30'}, requestId(parsed))
    }
    const id = cluster?.newSessionId() ?? randomUUID()
    // Resumable streams: a client whose stream breaks reconnects with Last-Event-ID and misses nothing.
    const events = new SessionEventStore()
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      onsessioninitialized: (sid: string) => void legacySessions.set(sid, transport),
      eventStore: events,
      retryInterval: RESUME_RETRY_MS,
    })
    // Set before connect: the SDK chains its own close handling (which ends the session) after ours.
    transport.onclose = () => {
      events.clear()
      legacySessions.delete(id)
      openedBy.delete(id)
      sessions.remove(id)
      metrics?.sessions.dec()
    }
    // Counted from here: a session whose initialize never completes still expires.
    sessions.add(id, owner, () => transport.close())
    openedBy.set(id, callerOf(req)?.id ?? '')
    track(id, req, res)
    const server = gateway.createSession(id, {caller: callerOf(req)})
    rawServers.set(transport, server)
    await server.connect(transport as Transport)
    metrics?.sessions.inc()
    await transport.handleRequest(req, res, parsed)
    // Refused before it began (a wrong Accept header, an invalid initialize): free its place in the caps now
    // rather than when it would expire.
    if (!legacySessions.has(id)) await transport.close().catch(() => {})
  }

  const handleSse = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    if (req.method === 'GET') {
      const owner = ownerOf(req)
      const refused = sessions.refusal(owner)
      if (refused) return rpcError(res, refused.status, refused.message, {'retry-after': '30'})
      // The endpoint event names the path the client posts to, as the client sees it (behind a proxy's prefix).
      const transport = new SSEServerTransport(`${publicViewOf(req).prefix}/sse`, res)
      const id = cluster?.nameSseSession(transport) ?? transport.sessionId
      sseSessions.set(id, transport)
      sessions.add(id, owner, () => transport.close())
      openedBy.set(id, callerOf(req)?.id ?? '')
      // The open event stream keeps the session active; it expires only once the stream is gone.
      track(id, req, res)
      const server = gateway.createSession(id, {caller: callerOf(req)})
      metrics?.sessions.inc()
      // The SDK chains the session's own close handling after this one; closing the server here would recurse.
      transport.onclose = () => {
        sseSessions.delete(id)
        openedBy.delete(id)
        sessions.remove(id)
        metrics?.sessions.dec()
      }
      await server.connect(transport as unknown as Transport)
      return
    }
    if (req.method === 'POST') {
      const sid = url.searchParams.get('sessionId') ?? url.searchParams.get('sessionid') ?? ''
      const unknownSse = () => rpcError(res, 404, `unknown SSE session "${sid}": open GET /sse first`)
      if (sid && (await cluster?.route(req, res, sid, unknownSse))) return
      const transport = sseSessions.get(sid)
      if (!transport || strayCaller(sid, req)) return unknownSse()
      track(sid, req, res)
      const parsed = await readJsonBody(req, options.maxBodyBytes)
      if (parsed === NOT_JSON) return parseError(res)
      if (raw.sse(req, res, sid, (m) => transport.send(m), parsed)) return
      return transport.handlePostMessage(req, res, parsed)
    }
    return rpcError(res, 405, `method ${req.method} is not allowed on /sse`, {allow: 'GET, POST'})
  }

  const door = options.frontDoor ?? DEFAULT_FRONT_DOOR
  const front = createFrontDoorServer(door, timeoutOptions(), logger, (req, res) => {
    cluster?.track(req, res)
    void (async () => {
      const view = resolvePublicView(req, door.trustedProxies)
      let url: URL
      try {
        url = new URL(req.url ?? '/', 'http://gateway')
      } catch {
        return refuse(res, 400, `malformed request target "${req.url}"`)
      }
      if (url.pathname === '/health' || url.pathname === '/ready') {
        const answer = probe(gateway, url.pathname, {ready, stopping})
        return sendJson(res, answer.status, answer.body)
      }
      if (stopping) {
        // A replica hands what is not its own to another (src/gateway/http/cluster/): no call lost in a rolling update.
        const decision = cluster?.whileStopping(req, res, url) ?? 'refuse'
        if (decision === 'handled') return
        if (decision === 'refuse') return refuse(res, 503, 'the gateway is shutting down')
      }
      // DNS-rebinding defence: a page in a browser must not reach a loopback gateway through a hostile name.
      const host = checkHost(req.headers.host, loopback, door.publicNames)
      if (!host.ok) return refuse(res, host.status, host.message)
      const origin = checkOrigin(req.headers.origin, door.publicNames)
      if (!origin.ok) return refuse(res, origin.status, origin.message)
      if (authenticator.serve?.(req, res, url)) return
      // No OAuth here: say so where OAuth clients look, or they report a failed registration (see guards).
      if (isOAuthDiscoveryPath(url.pathname)) return sendJson(res, 404, NO_OAUTH, {connection: 'close'})
      const admission = await authenticator.admit(req)
      if ('refused' in admission) {
        const {status, message, headers} = admission.refused
        return refuse(res, status, message, headers)
      }
      const throttled = options.throttle?.(admission.caller)
      if (throttled)
        return rpcError(res, 429, throttled.message, {'retry-after': String(throttled.retryAfterSeconds)})
      callers.set(req, admission.caller)
      connections.admitted(req, res)
      if (url.pathname === '/') {
        res.writeHead(307, {location: `${view.prefix}${endpoint}`})
        return res.end()
      }
      if (url.pathname === '/metrics' && metrics) {
        const text = (await metrics.render()) + (cluster?.metricsText() ?? '')
        res.writeHead(200, {'content-type': metrics.contentType})
        return res.end(text)
      }
      if (url.pathname === '/status' && options.status) return sendJson(res, 200, options.status())
      if (url.pathname === '/mcp') return handleMcp(req, res)
      if (url.pathname === '/sse' || url.pathname === '/message' || url.pathname === '/messages') {
        return handleSse(req, res, url)
      }
      return rpcError(res, 404, `no such endpoint ${url.pathname}: use ${endpoint}`)
    })().catch((err: unknown) => {
      if (err instanceof BodyTooLarge) {
        if (res.headersSent) return void res.destroy()
        const message = `request body larger than ${options.maxBodyBytes} bytes (raise --max-body-size)`
        // Answered once the client has sent its body (bounded), so that it reads the 413, not EPIPE.
        return void discardBody(req, 4 * options.maxBodyBytes, DISCARD_MS).then(() =>
          refuse(res, 413, message),
        )
      }
      logger.warn(`  - http: ${(err as Error).message}`)
      if (!res.headersSent) rpcError(res, 500, 'internal error')
      else res.end()
    })
  })
  const {server} = front
  const connections = limitConnections(server, options.maxConnections, front.connectionEvent)

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new DockerMcpError(
          err.code === 'EADDRINUSE'
            ? `port ${options.port} on ${options.host} is already in use`
            : `cannot listen on ${options.host}:${options.port}: ${err.message}`,
          {suggestions: err.code === 'EADDRINUSE' ? ['Choose another port with --port.'] : []},
        ),
      ),
    )
    server.listen(options.port, options.host, resolve)
  })
  const port = (server.address() as AddressInfo).port
  const shownHost = loopback ? 'localhost' : options.host
  const url = `${front.scheme}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}${endpoint}`
  logger.info(`> Start ${options.transport} server on ${url}`)
  if (auth?.generated) logger.info(`> Use Bearer token: Authorization: Bearer ${auth.token}`)

  return {
    url,
    port,
    token,
    stopAccepting() {
      stopping = true
      // A replica keeps its load balancer's idle connections until it drains (cluster/index.ts `drain`).
      if (cluster) net.Server.prototype.close.call(server)
      else server.close()
    },
    async close() {
      stopping = true
      if (sweeper) clearInterval(sweeper)
      front.close()
      const closing = new Promise<void>((resolve) => {
        if (!server.listening) return resolve()
        server.close(() => resolve())
      })
      await cluster?.drain(DRAIN_MS)
      cluster?.close()
      await sessions.closeAll()
      await modern.close().catch(() => {})
      server.closeAllConnections()
      await closing
    },
  }
}
