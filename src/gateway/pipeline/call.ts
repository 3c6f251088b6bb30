import type {CallToolResult} from '@modelcontextprotocol/server'

import {carrierFromHeaders, carrierFromMeta, metaWithTrace, type TraceCarrier} from '../observe/tracing.js'
import type {Caller} from '../session/caller.js'

/**
 * One tool call on its way through the gateway, from whichever path it came: the raw hot path (a 2025-era
 * client over stdio calling a long-lived container), the SDK path (everything else), or later a script.
 * Stages read it; a stage that changes the call makes a new one with `withArguments`.
 */
export interface ToolCall {
  /** The client session that made the call. */
  readonly session: string
  /** Who made it (see Caller): for policy, limits and the audit log. */
  readonly caller: Caller
  /** The tool's name as the client sees it (prefixed or renamed on a clash). */
  readonly name: string
  /** The server that owns the tool, and the tool's own name there. */
  readonly server: string
  readonly tool: string
  readonly arguments: Record<string, unknown> | undefined
  /** Which path forwards it: `raw` answers may arrive as unparsed text (see CallAnswer). */
  readonly via: 'raw' | 'sdk'
  /**
   * A 2026-07-28 client's retry that carries input its server asked for: the same call, resumed. Stages
   * that act once per call (an interceptor that counts or rewrites) skip their "before" step on it.
   */
  readonly resumed: boolean
  /**
   * The request as JSON text, for stages that scan it. The raw path has the client's own text for large
   * calls; otherwise the parameters are serialised once, on first use, and kept.
   */
  requestText(): string
  /** The same call with other arguments: the client's own text no longer describes it. */
  withArguments(args: Record<string, unknown> | undefined): ToolCall
  /**
   * The trace context the client sent with the call (`_meta.traceparent`, else the HTTP headers), read
   * only by the trace stage (src/gateway/observe/), when tracing is on.
   */
  clientTrace(): TraceCarrier | undefined
  /** The trace context to pass to the server (set by the trace stage; undefined when tracing is off). */
  readonly trace: TraceCarrier | undefined
  /** The same call, to be forwarded with this trace context. */
  withTrace(trace: TraceCarrier): ToolCall
}

/** A call as built by a path: what it knows, and the client's own JSON text when it has it. */
export interface ToolCallInit {
  session: string
  caller: Caller
  name: string
  server: string
  tool: string
  arguments: Record<string, unknown> | undefined
  via: 'raw' | 'sdk'
  resumed?: boolean
  sourceText?: string | undefined
  /** Where the client's trace context is read from, if asked (see ToolCall.clientTrace): its `_meta`… */
  clientMeta?: Record<string, unknown> | undefined
  /** …else the headers of its HTTP request. */
  clientHeaders?: unknown
  trace?: TraceCarrier | undefined
}

export function toolCall(init: ToolCallInit): ToolCall {
  let text = init.sourceText
  const call: ToolCall = {
    session: init.session,
    caller: init.caller,
    name: init.name,
    server: init.server,
    tool: init.tool,
    arguments: init.arguments,
    via: init.via,
    resumed: init.resumed ?? false,
    requestText: () => (text ??= JSON.stringify({name: init.name, arguments: init.arguments ?? {}})),
    withArguments: (args) => toolCall({...init, arguments: args, sourceText: undefined}),
    clientTrace: () => carrierFromMeta(init.clientMeta) ?? carrierFromHeaders(init.clientHeaders),
    trace: init.trace,
    withTrace: (trace) => toolCall({...init, sourceText: text, trace}),
  }
  return call
}

/**
 * The client's `tools/call` params as forwarded to the server for `call`: the server's own tool name, the
 * arguments a stage rewrote, and the trace context in `_meta` when tracing is on.
 */
export function forwardedParams<P extends {arguments?: unknown; _meta?: Record<string, unknown> | undefined}>(
  params: P,
  call: ToolCall,
): P & {name: string} {
  return {
    ...params,
    name: call.tool,
    ...(call.arguments === params.arguments ? {} : {arguments: call.arguments}),
    ...(call.trace ? {_meta: metaWithTrace(params._meta, call.trace)} : {}),
  }
}

/** A JSON-RPC error as a server (or the gateway) answers a request with it. */
export interface RpcError {
  code: number
  message: string
  data?: unknown
}

/**
 * What came back for a call. `text` is a large raw-path answer left unparsed (a whole JSON-RPC response,
 * `idMemberAt` where its id member starts, `idMemberEnd` where it ends when it is not the last one, see
 * Upstream.takeLargeReply): stages that only scan it never
 * pay for parsing it. `input` is a 2026-07-28 round that asks the client for input: not the call's end.
 */
export type CallAnswer =
  | {kind: 'result'; result: CallToolResult}
  | {kind: 'error'; error: RpcError}
  | {
      kind: 'text'
      text: string
      idMemberAt: number
      idMemberEnd?: number | undefined
      /** The bytes `text` was read from (see `rawReply`): only while `text` is that same string. */
      source?: {text: string; bytes: Buffer} | undefined
    }
  | {kind: 'input'; value: unknown}

/** The answer as JSON text, for stages that scan it: the raw text when there is one, else serialised. */
export function answerText(answer: CallAnswer): string {
  switch (answer.kind) {
    case 'text':
      return answer.text
    case 'result':
      return JSON.stringify(answer.result)
    case 'error':
      return JSON.stringify(answer.error)
    case 'input':
      return JSON.stringify(answer.value)
  }
}

/** The tool result or error of an answer, parsing a raw text answer (stages that rewrite need this). */
export function parsedAnswer(answer: CallAnswer): CallAnswer {
  if (answer.kind !== 'text') return answer
  const message = JSON.parse(answer.text) as {result?: CallToolResult; error?: RpcError}
  return message.error ? {kind: 'error', error: message.error} : {kind: 'result', result: message.result!}
}

/** JSON-RPC's "Invalid Request": the code of a call the gateway refuses (as Docker's gateway does). */
export const REFUSED_CODE = -32600

/**
 * A stage refused the call or its result. It reaches the client as a JSON-RPC error (Docker's gateway
 * answers a blocked secret that way, and clients show it as a failed call); the message says which guard
 * and why, and never carries the refused content.
 */
export class CallRefusedError extends Error {
  constructor(
    readonly guard: string,
    message: string,
    readonly code: number = REFUSED_CODE,
    /** JSON-RPC `data` of the error, for programs (a rate limit's `retryAfterSeconds`). */
    readonly data?: unknown,
  ) {
    super(message)
    this.name = 'CallRefusedError'
  }
}

/** The JSON-RPC error a failed call is answered with: a guard's refusal as it says, anything else internal. */
export function callError(err: Error): RpcError {
  if (!(err instanceof CallRefusedError)) return {code: -32603, message: err.message}
  return {code: err.code, message: err.message, ...(err.data === undefined ? {} : {data: err.data})}
}
