import {createHash, randomInt, randomUUID, timingSafeEqual} from 'node:crypto'
import http from 'node:http'
import type {AddressInfo} from 'node:net'

import {NodeStreamableHTTPServerTransport, toNodeHandler, toWebRequest} from '@modelcontextprotocol/node'
import {createMcpHandler, isLegacyRequest, type Transport} from '@modelcontextprotocol/server'
import {SSEServerTransport} from '@modelcontextprotocol/server-legacy/sse'

import {DockerMcpError} from '../errors.js'
import type {Gateway} from './gateway.js'
import type {Logger} from './logger.js'
import type {GatewayMetrics} from './metrics.js'

export interface HttpOptions {
  transport: 'sse' | 'streaming'
  port: number
  host: string
  allowUnauthenticated: boolean
  /** `MCP_GATEWAY_AUTH_TOKEN`; generated when absent. */
  token?: string | undefined
  maxBodyBytes: number
  metrics: boolean
  logger: Logger
}

export interface HttpGateway {
  url: string
  port: number
  token: string | undefined
  /** Refuse new requests (503) and stop listening; requests under way go on. */
  stopAccepting(): void
  close(): Promise<void>
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

/** Is this bind address reachable only from this machine? */
export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || host.startsWith('127.')
}

/** A 50-character token of [a-z0-9], like the original's. */
export function generateToken(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  let token = ''
  for (let i = 0; i < 50; i++) token += alphabet[randomInt(alphabet.length)]
  return token
}

/** Constant-time comparison of a presented bearer token (hashing first makes the lengths equal). */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '')
  const presented = createHash('sha256')
    .update(m ? m[1]!.trim() : '')
    .digest()
  const expected = createHash('sha256').update(token).digest()
  return timingSafeEqual(presented, expected) && Boolean(m)
}

function hostnameOf(value: string): string {
  try {
    return new URL(value.includes('://') ? value : `http://${value}`).hostname
  } catch {
    return ''
  }
}

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
): void {
  sendJson(res, status, {jsonrpc: '2.0', id: null, error: {code: -32000, message}}, headers)
}

class BodyTooLarge extends Error {}

async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > max) throw new BodyTooLarge()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > max) throw new BodyTooLarge()
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

const NOT_JSON = Symbol('not JSON')

/** The request body as JSON, or NOT_JSON; BodyTooLarge past the cap. */
async function readJsonBody(req: http.IncomingMessage, max: number): Promise<unknown> {
  const body = await readBody(req, max)
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    return NOT_JSON
  }
}

function parseError(res: http.ServerResponse): void {
  sendJson(res, 400, {
    jsonrpc: '2.0',
    id: null,
    error: {code: -32700, message: 'Parse error: body is not JSON'},
  })
}

/**
 * Serve the gateway over HTTP: Streamable HTTP on /mcp (2025-era sessions and 2026-07-28 stateless
 * requests on the same endpoint), the legacy HTTP+SSE transport on /sse, /health, and optionally /metrics.
 * Secure by default: loopback bind, bearer token, local Origin/Host only, capped bodies.
 */
export async function serveHttp(
  gateway: Gateway,
  options: HttpOptions,
  metrics?: GatewayMetrics,
): Promise<HttpGateway> {
  const {logger} = options
  const token = options.allowUnauthenticated ? undefined : options.token || generateToken()
  const loopback = isLoopback(options.host)
  if (options.allowUnauthenticated && !loopback) {
    logger.warn(
      `!!! WARNING: serving on ${options.host} WITHOUT authentication: anyone who can reach this port can run your MCP servers' tools. !!!`,
    )
  }
  let ready = false
  let stopping = false
  void gateway.ready.then(() => (ready = true))

  const legacySessions = new Map<string, NodeStreamableHTTPServerTransport>()
  const sseSessions = new Map<string, SSEServerTransport>()
  const modern = createMcpHandler(() => gateway.createSession('stateless', {ephemeral: true}), {
    legacy: 'reject',
    maxRequestBodySize: options.maxBodyBytes,
    onerror: (err) => logger.debug(`http: ${err.message}`),
  })
  const modernNode = toNodeHandler(modern, {maxRequestBodySize: options.maxBodyBytes})
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
    let parsed: unknown
    if (req.method === 'POST') {
      parsed = await readJsonBody(req, options.maxBodyBytes)
      if (parsed === NOT_JSON) return parseError(res)
    }
    if (sessionId) {
      const transport = legacySessions.get(sessionId)
      if (!transport)
        return rpcError(res, 404, `unknown session ${sessionId}: start a new one with initialize`)
      return transport.handleRequest(req, res, parsed)
    }
    const web = await toWebRequest(req, parsed, {maxRequestBodySize: options.maxBodyBytes})
    if (!(await isLegacyRequest(web, parsed, {maxRequestBodySize: options.maxBodyBytes}))) {
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
    const id = randomUUID()
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      onsessioninitialized: (sid: string) => void legacySessions.set(sid, transport),
    })
    // Set before connect: the SDK chains its own close handling (which ends the session) after ours.
    transport.onclose = () => {
      legacySessions.delete(id)
      metrics?.sessions.dec()
    }
    const server = gateway.createSession(id)
    await server.connect(transport as Transport)
    metrics?.sessions.inc()
    return transport.handleRequest(req, res, parsed)
  }

  const handleSse = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    if (req.method === 'GET') {
      const transport = new SSEServerTransport('/sse', res)
      sseSessions.set(transport.sessionId, transport)
      const server = gateway.createSession(transport.sessionId)
      metrics?.sessions.inc()
      // The SDK chains the session's own close handling after this one; closing the server here would recurse.
      transport.onclose = () => {
        sseSessions.delete(transport.sessionId)
        metrics?.sessions.dec()
      }
      await server.connect(transport as unknown as Transport)
      return
    }
    if (req.method === 'POST') {
      const sid = url.searchParams.get('sessionId') ?? url.searchParams.get('sessionid') ?? ''
      const transport = sseSessions.get(sid)
      if (!transport) return rpcError(res, 404, `unknown SSE session "${sid}": open GET /sse first`)
      const parsed = await readJsonBody(req, options.maxBodyBytes)
      if (parsed === NOT_JSON) return parseError(res)
      return transport.handlePostMessage(req, res, parsed)
    }
    return rpcError(res, 405, `method ${req.method} is not allowed on /sse`, {allow: 'GET, POST'})
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://gateway')
    void (async () => {
      if (url.pathname === '/health') {
        const ok = ready && !stopping
        return sendJson(res, ok ? 200 : 503, {status: stopping ? 'stopping' : ok ? 'ok' : 'starting'})
      }
      if (stopping) return rpcError(res, 503, 'the gateway is shutting down', {connection: 'close'})
      // DNS-rebinding defence: a page in a browser must not reach a loopback gateway through a hostile name.
      const host = hostnameOf(req.headers.host ?? '')
      if (loopback && !LOOPBACK_HOSTS.has(host) && !LOOPBACK_HOSTS.has(`[${host}]`)) {
        return rpcError(res, 403, `Host "${req.headers.host}" is not allowed`)
      }
      const origin = req.headers.origin
      if (
        origin &&
        !LOOPBACK_HOSTS.has(hostnameOf(origin)) &&
        !LOOPBACK_HOSTS.has(`[${hostnameOf(origin)}]`)
      ) {
        return rpcError(res, 403, `Origin "${origin}" is not allowed`)
      }
      if (token && !tokenMatches(req.headers.authorization, token)) {
        return rpcError(res, 401, 'missing or invalid bearer token', {
          'www-authenticate': 'Bearer realm="MCP Gateway"',
        })
      }
      if (url.pathname === '/') {
        res.writeHead(307, {location: endpoint})
        return res.end()
      }
      if (url.pathname === '/metrics' && metrics) {
        const text = await metrics.render()
        res.writeHead(200, {'content-type': metrics.contentType})
        return res.end(text)
      }
      if (url.pathname === '/mcp') return handleMcp(req, res)
      if (url.pathname === '/sse' || url.pathname === '/message' || url.pathname === '/messages') {
        return handleSse(req, res, url)
      }
      return rpcError(res, 404, `no such endpoint ${url.pathname}: use ${endpoint}`)
    })().catch((err: unknown) => {
      if (err instanceof BodyTooLarge) {
        return rpcError(
          res,
          413,
          `request body larger than ${options.maxBodyBytes} bytes (raise --max-body-size)`,
        )
      }
      logger.warn(`  - http: ${(err as Error).message}`)
      if (!res.headersSent) rpcError(res, 500, 'internal error')
      else res.end()
    })
  })
  server.requestTimeout = 0
  server.keepAliveTimeout = 65_000

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
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}${endpoint}`
  logger.info(`> Start ${options.transport} server on ${url}`)
  if (token && !options.token) logger.info(`> Use Bearer token: Authorization: Bearer ${token}`)

  return {
    url,
    port,
    token,
    stopAccepting() {
      stopping = true
      server.close()
    },
    async close() {
      stopping = true
      const closing = new Promise<void>((resolve) => {
        if (!server.listening) return resolve()
        server.close(() => resolve())
      })
      await Promise.all([...legacySessions.values()].map((t) => t.close().catch(() => {})))
      await Promise.all([...sseSessions.values()].map((t) => t.close().catch(() => {})))
      await modern.close().catch(() => {})
      server.closeAllConnections()
      await closing
    },
  }
}
