import type http from 'node:http'

import type {JSONRPCMessage, Server} from '@modelcontextprotocol/server'
import {SUPPORTED_PROTOCOL_VERSIONS} from '@modelcontextprotocol/server'

import type {Gateway, RawReplySink} from '../gateway.js'
import type {UpstreamBinding} from '../upstream.js'

/** The session's SDK server, for the log level its client chose (`logging/setLevel`). */
type LevelFilter = {isMessageIgnored?: (level: string, sessionId?: string) => boolean}

/** A `tools/call` or `notifications/cancelled` the raw path may take; anything else goes to the SDK. */
type Candidate = {jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown}

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
}

function candidate(parsed: unknown): 'call' | 'cancel' | undefined {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  const m = parsed as Candidate
  if (m.jsonrpc !== '2.0' || typeof m.params !== 'object' || m.params === null) return undefined
  if (m.method === 'tools/call' && (typeof m.id === 'string' || typeof m.id === 'number')) return 'call'
  if (m.method === 'notifications/cancelled' && m.id === undefined) return 'cancel'
  return undefined
}

const isJson = (type: string | undefined) =>
  (type ?? '').split(';', 1)[0]!.trim().toLowerCase() === 'application/json'

/**
 * The HTTP hot path (issue #21): a `tools/call` on an established session is handed to `Gateway.forwardRaw`
 * (the stdio raw path: every guard of the CallPipeline, no SDK on either side) instead of the SDK's server
 * transport, whose per-request work (a Web Request and Response around the Node ones, zod validation of
 * the message, an SSE stream and its event store for one JSON answer) costs more than the forwarding.
 * Only what the SDK transport would accept as it is comes here: a single JSON-RPC request, JSON body,
 * an Accept of both JSON and SSE, a supported or absent MCP-Protocol-Version; everything else (and every
 * call `forwardRaw` declines: progress tokens, per-call servers, internal tools, a server still starting)
 * takes the SDK path, which answers with its own errors. Authentication, Host/Origin, throttling, the
 * session's owner and its activity are checked before either path (http.ts).
 */
export class RawHttpCalls {
  /** Streamable HTTP answers in flight on the raw path, by session and request id (ended on cancellation). */
  private readonly open = new Map<string, http.ServerResponse>()

  constructor(private readonly gateway: Gateway) {}

  /**
   * Streamable HTTP POST on an established 2025 session. The answer is `application/json` (the spec lets
   * the server choose), unless the server sends log messages about the call first: the response then
   * becomes an SSE stream carrying them, then the answer, as the SDK path would (a client without a GET
   * stream still gets them). True when the request was taken.
   */
  streamable(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    sessionId: string,
    server: Server | undefined,
    parsed: unknown,
  ): boolean {
    const kind = candidate(parsed)
    if (!kind || !server) return false
    const {accept, 'content-type': type, 'mcp-protocol-version': version} = req.headers
    if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return false
    if (!isJson(type)) return false
    if (version !== undefined) {
      if (typeof version !== 'string') return false
      if (!(SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version)) return false
    }
    const message = parsed as JSONRPCMessage
    if (kind === 'cancel') {
      const requestId = (message as {params: {requestId?: unknown}}).params.requestId
      if (!this.gateway.forwardRaw(sessionId, message, undefined, () => {})) return false
      const key = `${sessionId}\u0000${String(requestId)}`
      const pending = this.open.get(key)
      this.open.delete(key)
      // A cancelled call has no answer: its stream ends empty (as the SDK's does once the client goes).
      if (pending && !pending.writableEnded) {
        if (!pending.headersSent) pending.writeHead(200, {...SSE_HEADERS, 'mcp-session-id': sessionId})
        pending.end()
      }
      res.writeHead(202).end()
      return true
    }
    const key = `${sessionId}\u0000${String((message as {id: string | number}).id)}`
    let streaming = false
    const startStream = () => {
      streaming = true
      res.writeHead(200, {...SSE_HEADERS, 'mcp-session-id': sessionId})
    }
    const reply: RawReplySink = (answer) => {
      this.open.delete(key)
      if (res.writableEnded || res.destroyed) return
      const text = typeof answer === 'string' ? answer : JSON.stringify(answer)
      if (streaming) return void res.end(`event: message\ndata: ${text}\n\n`)
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'mcp-session-id': sessionId,
      })
      res.end(text)
    }
    const levels = server as unknown as LevelFilter
    const onCall = (session: UpstreamBinding): UpstreamBinding => ({
      elicit: session.elicit,
      sample: session.sample,
      log: (params) => {
        // After the answer (a late log line), or with the client gone: the session's stream, as on stdio.
        if (res.writableEnded || res.destroyed) return session.log(params)
        if (levels.isMessageIgnored?.(String(params.level), sessionId)) return
        if (!streaming) startStream()
        const note = {jsonrpc: '2.0', method: 'notifications/message', params}
        res.write(`event: message\ndata: ${JSON.stringify(note)}\n\n`)
      },
    })
    if (!this.gateway.forwardRaw(sessionId, message, undefined, reply, onCall)) return false
    if (!res.writableEnded) this.open.set(key, res)
    res.once('close', () => this.open.get(key) === res && this.open.delete(key))
    return true
  }

  /**
   * Legacy SSE POST: the message is accepted (202, as the SDK's SSE transport answers) and the call's
   * answer goes on the session's event stream, through `send`. Log messages go there too (the session's).
   */
  sse(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    sessionId: string,
    send: (message: JSONRPCMessage) => Promise<void>,
    parsed: unknown,
  ): boolean {
    if (!candidate(parsed) || !isJson(req.headers['content-type'])) return false
    const reply: RawReplySink = (answer) =>
      void send(typeof answer === 'string' ? (JSON.parse(answer) as JSONRPCMessage) : answer).catch(() => {})
    if (!this.gateway.forwardRaw(sessionId, parsed as JSONRPCMessage, undefined, reply)) return false
    res.writeHead(202).end('Accepted')
    return true
  }
}
