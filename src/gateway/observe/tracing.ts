/**
 * OpenTelemetry tracing of the gateway's calls, off unless the standard `OTEL_*` variables ask for it.
 *
 * This module loads no OpenTelemetry package: it decides from the environment whether tracing is on, and
 * only then imports `./otel.js` (the one importer of `@opentelemetry/*`). A gateway without the variables
 * pays nothing per call and loads none of the SDK (checked by test/e2e/observe-tracing.test.ts).
 *
 * Trace context travels as W3C `traceparent`/`tracestate`: accepted from a client in the call's
 * `params._meta` (as MCP clients send it) or in the HTTP request's headers, and passed on to the server in
 * the forwarded `params._meta` and, to a remote server, in the HTTP headers of the request too.
 */
import {AsyncLocalStorage} from 'node:async_hooks'

import type {Logger} from '../logger.js'
import type {CallStage} from '../pipeline/pipeline.js'

/** W3C trace context as it travels in headers and in `_meta`. */
export interface TraceCarrier {
  traceparent: string
  tracestate?: string | undefined
}

/** What the trace stage tells the tracer when a call ends. */
export interface CallOutcome {
  /** `ok`, `tool_error` (the tool answered isError), `error`, `refused`, `timeout` or `cancelled`. */
  outcome: 'ok' | 'tool_error' | 'error' | 'refused' | 'timeout' | 'cancelled'
  /** The guard that refused the call (`refused` only). */
  guard?: string | undefined
  /** The JSON-RPC error code the client got, if any. */
  code?: number | undefined
  /** One line saying why, for the span's status (never arguments or results). */
  reason?: string | undefined
}

/** One call's span, as the trace stage sees it. */
export interface CallSpan {
  /** The context to send upstream: this span as the parent. */
  readonly carrier: TraceCarrier
  end(outcome: CallOutcome): void
}

/** Facts about a call for its span. */
export interface CallSpanInfo {
  method: string
  server: string
  tool: string
  /** The tool's name as the client sees it. */
  name: string
  session: string
  caller: string
  via: 'raw' | 'sdk'
}

/** The tracer of a gateway with tracing on (implemented in ./otel.js). */
export interface CallTracer {
  startCall(info: CallSpanInfo, parent: TraceCarrier | undefined): CallSpan
  /** Export what is buffered and stop (the gateway's shutdown). */
  shutdown(): Promise<void>
}

const TRUE = new Set(['true', '1', 'yes', 'on'])

/**
 * Whether the environment asks for traces: an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_ENDPOINT`), the SDK is not disabled (`OTEL_SDK_DISABLED`) and the traces exporter is
 * not another one (`OTEL_TRACES_EXPORTER`: only `otlp`, the default, is offered; `none` turns tracing off).
 */
export function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  if (TRUE.has((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase())) return false
  const exporter = (env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase()
  if (exporter !== '' && !exporter.split(',').some((e) => e.trim() === 'otlp')) return false
  return !!(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim())
}

let started: CallTracer | undefined

/**
 * The trace stage of the call pipeline when the environment asks for traces, else undefined (and nothing
 * of OpenTelemetry is loaded).
 */
export async function traceStage(env: NodeJS.ProcessEnv, logger: Logger): Promise<CallStage | undefined> {
  if (!tracingWanted(env)) return undefined
  const [{startOtelTracer}, {tracingStage}] = await Promise.all([
    import('./otel.js'),
    import('../pipeline/trace.js'),
  ])
  started = startOtelTracer(logger)
  logger.info(`- Tracing: OTLP/HTTP to ${describeEndpoint(env)}`)
  return tracingStage(started)
}

/** Export the spans still buffered: the gateway's shutdown (nothing to do when tracing is off). */
export async function flushTracing(): Promise<void> {
  const tracer = started
  started = undefined
  await tracer?.shutdown().catch(() => {})
}

/** Where spans go, for the start-up line: the URL without credentials, query or fragment. */
function describeEndpoint(env: NodeJS.ProcessEnv): string {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()
  const raw = traces || `${env.OTEL_EXPORTER_OTLP_ENDPOINT!.trim().replace(/\/+$/, '')}/v1/traces`
  try {
    const url = new URL(raw)
    return `${url.origin}${url.pathname}`
  } catch {
    return 'an invalid endpoint URL'
  }
}

/**
 * The trace context of the call being forwarded, while the trace stage runs the rest of the pipeline: the
 * remote servers' fetch adds it as headers (`tracingFetch`), and calls made inside a call (code mode) take
 * it as their parent. Only entered when tracing is on.
 */
export const currentTrace = new AsyncLocalStorage<TraceCarrier>()

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/

/** A client's trace context from an MCP `_meta` object (`traceparent`, `tracestate`), if well formed. */
export function carrierFromMeta(meta: unknown): TraceCarrier | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined
  const m = meta as {traceparent?: unknown; tracestate?: unknown}
  return carrier(m.traceparent, m.tracestate)
}

/** A client's trace context from HTTP request headers (a fetch `Headers` or node's header object). */
export function carrierFromHeaders(headers: unknown): TraceCarrier | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined
  const get =
    typeof (headers as Headers).get === 'function'
      ? (name: string) => (headers as Headers).get(name) ?? undefined
      : (name: string) => {
          const v = (headers as Record<string, unknown>)[name]
          return Array.isArray(v) ? v.join(',') : v
        }
  return carrier(get('traceparent'), get('tracestate'))
}

function carrier(traceparent: unknown, tracestate: unknown): TraceCarrier | undefined {
  if (typeof traceparent !== 'string') return undefined
  const parent = traceparent.trim().toLowerCase()
  if (!TRACEPARENT.test(parent)) return undefined
  return typeof tracestate === 'string' && tracestate.trim()
    ? {traceparent: parent, tracestate: tracestate.trim()}
    : {traceparent: parent}
}

/** `_meta` with the trace context set (what the gateway forwards to a server). */
export function metaWithTrace(
  meta: Record<string, unknown> | undefined,
  trace: TraceCarrier,
): Record<string, unknown> {
  const {tracestate: _dropped, ...rest} = meta ?? {}
  return {
    ...rest,
    traceparent: trace.traceparent,
    ...(trace.tracestate ? {tracestate: trace.tracestate} : {}),
  }
}

/**
 * A fetch for remote servers that sends the current call's trace context as `traceparent`/`tracestate`
 * headers (when tracing is on and a call is being forwarded; else the request is unchanged).
 */
export function tracingFetch(fetch: typeof globalThis.fetch): typeof globalThis.fetch {
  return (input, init) => {
    const trace = currentTrace.getStore()
    if (!trace) return fetch(input, init)
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined))
    headers.set('traceparent', trace.traceparent)
    if (trace.tracestate) headers.set('tracestate', trace.tracestate)
    else headers.delete('tracestate')
    return fetch(input, {...init, headers})
  }
}
