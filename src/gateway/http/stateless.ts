import type http from 'node:http'

import {
  BAGGAGE_META_KEY,
  classifyInboundRequest,
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
  SERVER_INFO_META_KEY,
  TRACEPARENT_META_KEY,
  TRACESTATE_META_KEY,
  type JSONRPCMessage,
} from '@modelcontextprotocol/server'

import {mirroredCapabilities} from '../client-capabilities.js'
import type {Gateway, RawReplySink, SessionState} from '../gateway.js'
import {ENVELOPE_META_KEYS} from '../handshake.js'
import {PendingCalls} from '../pending-calls.js'
import {LOCAL_CALLER, type Caller} from '../session/caller.js'
import type {UpstreamBinding} from '../upstream.js'

/** The revision whose stateless requests this path serves (the SDK's modern era). */
const MODERN = '2026-07-28'

/** `_meta` keys a request may carry and still take this path: its envelope and trace context. */
const TAKEN_META = new Set<string>([
  ...ENVELOPE_META_KEYS,
  TRACEPARENT_META_KEY,
  TRACESTATE_META_KEY,
  BAGGAGE_META_KEY,
])

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** One request header as a single value with its optional whitespace trimmed (as the SDK reads it). */
function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return typeof value === 'string' ? value.replace(/^[\t ]+|[\t ]+$/g, '') : undefined
}

/** A server's request for input during a call whose client declared no way to answer it. */
const cannotAsk = (method: string) => () =>
  Promise.reject(new Error(`the client of this 2026-07-28 request declared no ${method} capability`))
const NO_CLIENT: UpstreamBinding = {
  elicit: cannotAsk('elicitation'),
  sample: cannotAsk('sampling'),
  log: () => {},
}

/**
 * The 2026-07-28 hot path (issue #21): a stateless `tools/call` to a running long-lived server is handed to
 * `Gateway.forwardRaw` (every CallPipeline stage, no SDK server built for the request) instead of the SDK's
 * per-request handler, which builds a whole `Server` for each request, wraps the Node request in a Web one
 * and validates the message with zod. The caller is the one the front door admitted, as the SDK path's
 * `authInfo` carries it.
 *
 * Only what the SDK would serve as it is comes here: a single request classified modern by the SDK's own
 * `classifyInboundRequest` (envelope well-formed, same revision in the header and the body), the standard
 * headers present and agreeing with the body (`MCP-Protocol-Version`, `Mcp-Method: tools/call`, `Mcp-Name`
 * the tool's name in plain text), a JSON body, params of only `name`, `arguments` and `_meta` (no
 * requestState or input responses: a resumed call), and a client that declared neither elicitation nor
 * sampling and asked for no log messages (so the call has no rounds and no notifications: its answer is one
 * JSON response, as the SDK's `auto` response mode sends it). `forwardRaw` then declines progress tokens,
 * internal tools, a per-call server with no spare ready, and a long-lived server with no idle container of
 * this client kind (the SDK path starts one): all of those take the SDK path, which answers with its own
 * errors.
 *
 * The answer is what the SDK's 2026-07-28 encoder makes of the same result: `resultType: "complete"` added
 * when the server gave none, the gateway's `serverInfo` in the result's `_meta`, error code -32002 sent as
 * -32602. The server's result is passed on without schema validation, as on the 2025 raw path.
 */
export class RawStatelessCalls {
  constructor(private readonly gateway: Gateway) {}

  /** True when the request was taken (answered here, now or later). */
  take(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    parsed: unknown,
    caller: Caller | undefined,
  ): boolean {
    if (req.method !== 'POST' || !isObject(parsed)) return false
    const {id, method, params} = parsed
    if (method !== 'tools/call' || !isObject(params) || typeof params.name !== 'string') return false
    if (typeof id !== 'string' && typeof id !== 'number') return false
    if (Object.keys(params).some((k) => k !== 'name' && k !== 'arguments' && k !== '_meta')) return false
    if (params.arguments !== undefined && !isObject(params.arguments)) return false
    const meta = params._meta
    if (!isObject(meta) || Object.keys(meta).some((k) => !TAKEN_META.has(k))) return false
    if ((req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase() !== 'application/json')
      return false
    const version = header(req, 'mcp-protocol-version')
    const route = classifyInboundRequest({
      httpMethod: 'POST',
      protocolVersionHeader: version,
      mcpMethodHeader: header(req, 'mcp-method'),
      mcpNameHeader: header(req, 'mcp-name'),
      body: parsed,
    })
    if (route.kind !== 'modern' || route.messageKind !== 'request') return false
    if (route.classification.revision !== MODERN || version !== MODERN) return false
    if (header(req, 'mcp-method') !== 'tools/call' || header(req, 'mcp-name') !== params.name) return false
    if (meta[LOG_LEVEL_META_KEY] !== undefined) return false
    const declared = mirroredCapabilities(meta[CLIENT_CAPABILITIES_META_KEY] as never)
    if (Object.keys(declared).length > 0) return false

    // The envelope describes the client's hop to us: the server is spoken to in its own era.
    const forwarded: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(meta))
      if (!(ENVELOPE_META_KEYS as readonly string[]).includes(key)) forwarded[key] = value
    const message = {jsonrpc: '2.0', id, method, params: {...params, _meta: forwarded}} as JSONRPCMessage
    // The request's one-call session: no SDK server (nothing reaches it: the raw path takes the call, or nothing).
    const session: SessionState = {
      id: 'stateless',
      caller: caller ?? LOCAL_CALLER,
      ephemeral: true,
      server: undefined as never,
      binding: NO_CLIENT,
      rawCalls: new PendingCalls(),
    }
    const serverInfo = this.gateway.serverInfo
    let answered = false
    const reply: RawReplySink = (answer) => {
      answered = true
      if (res.writableEnded || res.destroyed) return
      const text = JSON.stringify(
        encode(typeof answer === 'string' ? JSON.parse(answer) : answer, serverInfo),
      )
      res.writeHead(200, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)})
      res.end(text)
    }
    if (!this.gateway.forwardRaw(session, message, undefined, reply, () => NO_CLIENT)) return false
    // The client went away before its answer: the call is cancelled, as the SDK path's abort signal does.
    res.once('close', () => {
      if (answered) return
      const cancel = {jsonrpc: '2.0', method: 'notifications/cancelled', params: {requestId: id}}
      this.gateway.forwardRaw(session, cancel as JSONRPCMessage, undefined, () => {})
    })
    return true
  }
}

/**
 * A JSON-RPC answer as the SDK's 2026-07-28 server sends a `tools/call` answer (see the class), members in
 * its order: `{result, jsonrpc, id}`, `{jsonrpc, id, error: {code, message, data?}}`.
 */
function encode(answer: Record<string, unknown>, serverInfo: unknown): Record<string, unknown> {
  const {id} = answer
  const error = answer.error as {code?: unknown; message?: unknown; data?: unknown} | undefined
  if (error) {
    const code = error.code === -32002 ? -32602 : error.code
    const message = error.message ?? 'Internal error'
    return {
      jsonrpc: '2.0',
      id,
      error: {code, message, ...(error.data === undefined ? {} : {data: error.data})},
    }
  }
  let result = answer.result as Record<string, unknown>
  if (!isObject(result)) return answer
  if (result.resultType === undefined) result = {...result, resultType: 'complete'}
  const meta = result._meta
  if (meta === undefined) result = {...result, _meta: {[SERVER_INFO_META_KEY]: serverInfo}}
  else if (isObject(meta) && meta[SERVER_INFO_META_KEY] === undefined)
    result = {...result, _meta: {...meta, [SERVER_INFO_META_KEY]: serverInfo}}
  return {result, jsonrpc: '2.0', id}
}
