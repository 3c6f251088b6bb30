import type http from 'node:http'
import type {Socket} from 'node:net'

/**
 * Bounded connections for the HTTP front door.
 *
 * Node's defaults let a connection live forever once `requestTimeout` is 0: an unauthenticated client
 * that opens sockets and sends nothing (or trickles a header byte a second) pins a file descriptor each,
 * and a few hundred of them exhaust the process's descriptors, after which real clients cannot connect.
 * Two defences:
 *
 * - Timeouts (below): the headers must arrive within HEADERS_TIMEOUT_MS, the whole request (body included)
 *   within REQUEST_TIMEOUT_MS, and an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS.
 *   These bound the *receipt* of a request only: a response streamed for minutes (an SSE GET stream, a
 *   Streamable HTTP answer to a long tool call) is unaffected, and it is only ever sent once authenticated.
 * - A cap on open connections. At the cap a new connection is not simply refused (that would let idle
 *   sockets lock out real clients until the timeouts fire): the oldest connection that never presented a
 *   valid token is closed to make room; then the oldest idle authenticated one; only when every
 *   connection is an authenticated one with a request in flight is the newcomer refused.
 */

export const HEADERS_TIMEOUT_MS = 10_000
export const REQUEST_TIMEOUT_MS = 60_000
export const KEEP_ALIVE_TIMEOUT_MS = 30_000
/** How often Node checks the two timeouts above (its default, 30 s, would let sockets live 40 s). */
export const CHECK_INTERVAL_MS = 1_000

/** The server options that bound how long a request may take to arrive. */
export function timeoutOptions(): http.ServerOptions {
  return {
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: CHECK_INTERVAL_MS,
  }
}

interface Tracked {
  /** A request on it passed authentication. */
  trusted: boolean
  /** Requests in flight (answered when their response closes). */
  busy: number
}

export interface ConnectionLimiter {
  /** Open connections now. */
  readonly size: number
  /** Connections closed or refused to stay under the cap, since start. */
  readonly shed: number
  /** Mark the request's connection as authenticated and busy until the response closes. */
  admitted(req: http.IncomingMessage, res: http.ServerResponse): void
}

/**
 * Cap `server`'s open connections at `max`, shedding unauthenticated ones first (see above). `event` is the
 * one that hands over the socket requests will arrive on: 'secureConnection' for HTTPS (TLS sockets).
 */
export function limitConnections(
  server: http.Server,
  max: number,
  event: 'connection' | 'secureConnection' = 'connection',
): ConnectionLimiter {
  // Insertion order is age order: the first entries are the oldest connections.
  const open = new Map<Socket, Tracked>()
  let shed = 0
  const evictOne = (): boolean => {
    for (const pass of [(t: Tracked) => !t.trusted, (t: Tracked) => t.busy === 0]) {
      for (const [socket, tracked] of open) {
        if (pass(tracked)) {
          open.delete(socket)
          socket.destroy()
          shed++
          return true
        }
      }
    }
    return false
  }
  server.on(event, (socket: Socket) => {
    if (open.size >= max && !evictOne()) {
      shed++
      socket.destroy()
      return
    }
    open.set(socket, {trusted: false, busy: 0})
    socket.once('close', () => open.delete(socket))
  })
  return {
    get size() {
      return open.size
    },
    get shed() {
      return shed
    },
    admitted(req, res) {
      const tracked = open.get(req.socket)
      if (!tracked) return
      tracked.trusted = true
      tracked.busy++
      res.once('close', () => tracked.busy--)
    },
  }
}
