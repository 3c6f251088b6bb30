import type {CallToolResult, JSONRPCMessage} from '@modelcontextprotocol/server'

import {stoppedMessage, timeoutMessage} from './call-errors.js'
import {forwardedParams, type CallAnswer, type ToolCall} from './pipeline/call.js'
import type {NextStage} from './pipeline/pipeline.js'
import {
  byteParts,
  LARGE_MESSAGE_BYTES,
  sourceTextOf,
  trailingId,
  withIdAt,
  type LineBytes,
  type SourceText,
} from './stdio-transport.js'
import type {RawReply, Upstream} from './upstream.js'

/** A client message as the raw path reads it. */
export type RawRequest = {
  id?: string | number
  method?: string
  params?: {
    name?: unknown
    arguments?: Record<string, unknown>
    _meta?: Record<string, unknown>
    requestId?: unknown
    reason?: unknown
  }
}

/** A structural "anything goes" schema: the gateway forwards results, it does not re-validate them. */
export const PASSTHROUGH = {
  '~standard': {
    version: 1 as const,
    vendor: 'docker-mcp',
    validate: (value: unknown) => ({value: value as Record<string, unknown>}),
  },
}

/** A tool call in flight on the raw path: where it went, and how the client's cancellation ends it. */
export interface RawCall {
  upstream: Upstream
  /** The id the call has on the upstream connection, once sent ('' before). */
  upstreamId: string
  cancel: () => void
}

/**
 * A client's `notifications/cancelled`: when it names a raw-path call in flight, the server is told (once
 * the call was sent) and the call ends without an answer; false for any other (the SDK path handles it).
 */
export function cancelRawCall(
  calls: {get(id: string | number): RawCall | undefined},
  params: RawRequest['params'],
): boolean {
  const requestId = params?.requestId
  const call =
    typeof requestId === 'string' || typeof requestId === 'number' ? calls.get(requestId) : undefined
  if (!call) return false
  if (call.upstreamId)
    call.upstream.cancelRaw(call.upstreamId, typeof params?.reason === 'string' ? params.reason : 'cancelled')
  call.cancel()
  return true
}

/** A raw-path call the client cancelled: it ends without an answer. */
export class ClientCancelledError extends Error {
  constructor() {
    super('cancelled by the client')
  }
}

/**
 * The raw path's last pipeline step: send the call to the container around the SDK client, and resolve
 * with its answer (a large one unparsed), or reject when the container goes, the call times out or the
 * client cancels it.
 */
export function rawForward(options: {
  upstream: Upstream
  state: RawCall
  /** The client's `tools/call` params, as it sent them. */
  params: {name?: unknown; arguments?: Record<string, unknown>; _meta?: Record<string, unknown>}
  /** The client's request as JSON text (and bytes, when large), sent on as it is (see `retargeted`). */
  source: SourceText | undefined
  clientId: string | number
  timeoutMs: number
  /** True once the client cancelled, before the call was sent. */
  cancelled: () => boolean
}): NextStage {
  const {upstream, state, params, source, clientId, timeoutMs} = options
  const server = upstream.server
  return (call: ToolCall) =>
    new Promise<CallAnswer>((resolve, reject) => {
      if (options.cancelled()) return reject(new ClientCancelledError())
      let settled = false
      const timer = setTimeout(() => {
        upstream.cancelRaw(state.upstreamId, 'timed out')
        settle('timeout')
      }, timeoutMs)
      // Once per call, whatever ends it: the answer, the container going, the timeout or the client.
      const settle = (answer?: RawReply | Error | 'timeout') => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (answer === undefined) return reject(new ClientCancelledError())
        if (answer === 'timeout') return reject(new Error(timeoutMessage(server, 'tools/call', timeoutMs)))
        if (answer instanceof Error)
          return void stoppedMessage(server, 'tools/call', upstream).then((text) => reject(new Error(text)))
        if ('text' in answer)
          return resolve({
            kind: 'text',
            text: answer.text,
            idMemberAt: answer.idMemberAt,
            idMemberEnd: answer.idMemberEnd,
            source: answer.bytes && {text: answer.text, bytes: answer.bytes},
          })
        resolve(
          answer.error
            ? {kind: 'error', error: answer.error}
            : {kind: 'result', result: answer.result as CallToolResult},
        )
      }
      state.cancel = () => settle()
      const rewritten = call.arguments !== params.arguments
      // With tracing on, the server gets the call's trace context in `_meta`: the client's text is not reused.
      const {trace} = call
      state.upstreamId = upstream.sendRaw(
        {
          method: 'tools/call',
          params: forwardedParams(params, call),
          // A large request goes out as the client's own text, unless a stage rewrote its arguments.
          text: rewritten || trace ? undefined : retargeted(source, clientId, call.name, call.tool),
        },
        settle,
      )
    })
}

/** The raw path's reply for an answer: a large one keeps its text, only its id changes. */
export function rawAnswer(answer: CallAnswer, id: string | number): JSONRPCMessage | string {
  switch (answer.kind) {
    case 'text':
      return withIdAt(answer.text, answer.idMemberAt, id, answer.idMemberEnd)
    case 'error':
      return {jsonrpc: '2.0', id, error: answer.error} as JSONRPCMessage
    case 'result':
      return {jsonrpc: '2.0', id, result: answer.result} as JSONRPCMessage
    case 'input':
      return {jsonrpc: '2.0', id, result: answer.value} as JSONRPCMessage
  }
}

/**
 * The raw path's reply as `rawAnswer` makes it, and for a large answer still as the server wrote it, the
 * same line as bytes: the server's own bytes around the new id, so that a sink that writes bytes (stdio)
 * neither flattens the new text nor encodes it again (a MiB each: most of what a large answer cost the
 * gateway beyond reading it). A stage that replaced the text (a new string) gets no bytes.
 */
export function rawReply(
  answer: CallAnswer,
  id: string | number,
): [JSONRPCMessage | string, LineBytes | undefined] {
  const reply = rawAnswer(answer, id)
  if (
    answer.kind !== 'text' ||
    answer.source?.text !== answer.text ||
    answer.text.length < LARGE_MESSAGE_BYTES
  )
    return [reply, undefined]
  const member = `"id":${JSON.stringify(id)}`
  return [reply, byteParts(answer.text, answer.source.bytes, answer.idMemberAt, member, answer.idMemberEnd)]
}

/**
 * A `tools/call` request's text, re-targeted without serialising it again: its id swapped for the
 * upstream's (see `trailingId`), and the exposed tool name for the server's own. SDK clients write
 * `{"method":"tools/call","params":{"name":…,…},"jsonrpc":"2.0","id":7}`: the name at that fixed start is
 * the request's own tool name. A large request with its name unchanged goes on as the client's own bytes
 * around the new id. Undefined for any other layout (the request is then serialised again).
 */
function retargeted(
  source: SourceText | undefined,
  id: string | number,
  exposedName: string,
  name: string,
): ((upstreamId: string) => string | LineBytes) | undefined {
  const text = sourceTextOf(source)
  const tail = text ? trailingId(text) : undefined
  if (!text || !tail || tail.json !== JSON.stringify(id)) return undefined
  if (name === exposedName && typeof source === 'object')
    return (upstreamId) => byteParts(text, source.bytes, tail.at, `"id":${JSON.stringify(upstreamId)}`)
  let head = text
  let at = tail.at
  if (name !== exposedName) {
    const exposedStart = `{"method":"tools/call","params":{"name":${JSON.stringify(exposedName)}`
    if (!text.startsWith(exposedStart)) return undefined
    const start = `{"method":"tools/call","params":{"name":${JSON.stringify(name)}`
    head = start + text.slice(exposedStart.length, at)
    at = head.length
  }
  return (upstreamId) => withIdAt(head, at, upstreamId)
}

/** How long a cancelled call's per-call container may take to confirm it read the cancellation (gateway.ts). */
export const CANCEL_GRACE_MS = 2000
