import http from 'node:http'
import net from 'node:net'

import type {Peer} from './peers.js'

/**
 * One request relayed to another replica, the answer streamed back as it comes (a JSON answer, an SSE
 * response to a tool call, a GET event stream that stays open for hours).
 *
 * The request body is buffered first (bounded by --max-body-size; MCP messages are small), so a request
 * whose connection could not even be made can be tried on another replica, and a reused keep-alive socket
 * that the peer had just closed can be retried on a fresh one: in both cases the peer never saw it.
 */

/** Marks a request relayed by a replica: it is served where it lands, never relayed again. */
export const HOP_HEADER = 'x-mcp-gateway-hop'

/** How long a connection to a peer may take to open before the peer counts as gone. */
export const CONNECT_TIMEOUT_MS = 3000

/** Headers that describe one connection, not the request (RFC 9110 §7.6.1), and are not relayed. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
])

/**
 * `answered`: the peer's answer (any status) was relayed, or began to be. `unreachable`: the peer never got
 * the request (connection refused, unreachable, timed out before connecting). `failed`: the connection broke
 * after the request was sent and before an answer began (the peer died during it); nothing was sent.
 */
export type ForwardOutcome = 'answered' | 'unreachable' | 'failed'

function requestHeaders(
  req: http.IncomingMessage,
  hop: string,
  body: Buffer | undefined,
): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value
  }
  headers[HOP_HEADER] = hop
  if (body) headers['content-length'] = body.length
  return headers
}

function responseHeaders(upstream: http.IncomingMessage): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value !== undefined && (!HOP_BY_HOP.has(name) || name === 'content-length')) headers[name] = value
  }
  return headers
}

/** One attempt; `reused` says the socket came from the keep-alive pool. */
function attempt(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  peer: Peer,
  options: {agent: http.Agent; hop: string; body: Buffer | undefined},
): Promise<ForwardOutcome | 'retry'> {
  return new Promise((resolve) => {
    let settled = false
    const settle = (outcome: ForwardOutcome | 'retry') => {
      if (!settled) {
        settled = true
        resolve(outcome)
      }
    }
    const out = http.request({
      host: peer.host,
      port: peer.port,
      method: req.method,
      path: req.url,
      headers: requestHeaders(req, options.hop, options.body),
      agent: options.agent,
    })
    let connectTimer: NodeJS.Timeout | undefined
    /** The peer accepted the connection: from here on it may have seen the request. */
    let connected = false
    out.once('socket', (socket) => {
      if (!socket.connecting) return void (connected = true)
      connectTimer = setTimeout(() => out.destroy(new Error('connect timeout')), CONNECT_TIMEOUT_MS)
      socket.once('connect', () => {
        connected = true
        clearTimeout(connectTimer)
      })
    })
    // The client left: stop the relayed request too (the owner sees its connection close, as if direct).
    const clientGone = () => {
      if (!res.writableFinished) out.destroy()
    }
    res.once('close', clientGone)
    out.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer)
      if (settled) return void res.destroy()
      res.off('close', clientGone)
      if (res.destroyed) return settle('answered')
      if (out.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) return settle('retry')
      if (!connected) return settle('unreachable')
      if (res.headersSent) res.destroy()
      settle('failed')
    })
    out.once('response', (upstream) => {
      clearTimeout(connectTimer)
      settle('answered')
      res.writeHead(upstream.statusCode ?? 502, responseHeaders(upstream))
      // An event stream: send the headers now, not with the first event (which may be minutes away).
      res.flushHeaders()
      upstream.pipe(res)
      upstream.once('error', () => res.destroy())
      upstream.once('aborted', () => res.destroy())
    })
    out.end(options.body)
  })
}

/** Relay `req` (its body already read into `body`) to `peer` and stream the answer into `res`. */
export async function forward(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  peer: Peer,
  options: {agent: http.Agent; hop: string; body: Buffer | undefined},
): Promise<ForwardOutcome> {
  const first = await attempt(req, res, peer, options)
  if (first !== 'retry') return first
  // The pooled socket was closed by the peer as we reused it: the request never reached it; once more, fresh.
  const again = await attempt(req, res, peer, {...options, agent: freshAgent})
  return again === 'retry' ? 'unreachable' : again
}

/** Whether a TCP connection to `peer` opens now (after a relay failed: is the owner gone, or was it a hiccup?). */
export function reachable(peer: Peer, ms = CONNECT_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({host: peer.host, port: peer.port})
    const done = (ok: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), ms)
    socket.once('connect', () => done(true)).once('error', () => done(false))
  })
}

/** No pooling: for the one retry after a stale keep-alive socket. */
const freshAgent = new http.Agent({keepAlive: false})
