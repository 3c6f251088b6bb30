/**
 * The OpenTelemetry side of tracing: the only module that imports `@opentelemetry/*`, loaded by
 * `traceStage` (./tracing.ts) only when the `OTEL_*` variables ask for traces.
 *
 * Spans are exported in batches over OTLP/HTTP (JSON encoding, the official exporter); the SDK reads the
 * standard variables itself: the endpoint and headers (`OTEL_EXPORTER_OTLP_*`), the sampler
 * (`OTEL_TRACES_SAMPLER`, `_ARG`), the batch settings (`OTEL_BSP_*`) and the resource (`OTEL_SERVICE_NAME`,
 * `OTEL_RESOURCE_ATTRIBUTES`; the service name defaults to `docker-mcp-gateway`).
 */
import {
  context,
  diag,
  DiagLogLevel,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type TextMapGetter,
} from '@opentelemetry/api'
import {W3CTraceContextPropagator} from '@opentelemetry/core'
import {OTLPTraceExporter} from '@opentelemetry/exporter-trace-otlp-http'
import {detectResources, envDetector, resourceFromAttributes} from '@opentelemetry/resources'
import {BasicTracerProvider, BatchSpanProcessor} from '@opentelemetry/sdk-trace-base'
import {ATTR_ERROR_TYPE, ATTR_SERVICE_NAME} from '@opentelemetry/semantic-conventions'
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_SESSION_ID,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
} from '@opentelemetry/semantic-conventions/incubating'

import type {Logger} from '../logger.js'
import type {CallSpan, CallSpanInfo, CallTracer, TraceCarrier} from './tracing.js'

/** The gateway's own span attributes (documented in README.md, "Observability"). */
export const GATEWAY_ATTRIBUTES = {
  server: 'docker_mcp.server',
  tool: 'docker_mcp.tool',
  caller: 'docker_mcp.caller.id',
  outcome: 'docker_mcp.outcome',
  guard: 'docker_mcp.guard',
  path: 'docker_mcp.path',
} as const

const carrierGetter: TextMapGetter<TraceCarrier> = {
  keys: (c) => Object.keys(c),
  get: (c, key) => (key === 'traceparent' ? c.traceparent : key === 'tracestate' ? c.tracestate : undefined),
}

export function startOtelTracer(logger: Logger): CallTracer {
  // The SDK's own complaints (an export that failed) go to the gateway's log, as warnings, once each.
  const said = new Set<string>()
  diag.setLogger(
    {
      error: (m) => say(m),
      warn: (m) => say(m),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  )
  function say(message: string) {
    if (said.has(message) || said.size > 50) return
    said.add(message)
    logger.warn(`  - tracing: ${message}`)
  }
  const resource = resourceFromAttributes({[ATTR_SERVICE_NAME]: 'docker-mcp-gateway'}).merge(
    detectResources({detectors: [envDetector]}),
  )
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  })
  const tracer = provider.getTracer('docker-mcp-gateway')
  const propagator = new W3CTraceContextPropagator()

  const parentContext = (parent: TraceCarrier | undefined): Context =>
    parent ? propagator.extract(context.active(), parent, carrierGetter) : context.active()

  return {
    startCall(info: CallSpanInfo, parent: TraceCarrier | undefined): CallSpan {
      const span = tracer.startSpan(
        `${info.method} ${info.name}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR_MCP_METHOD_NAME]: info.method,
            [ATTR_MCP_SESSION_ID]: info.session,
            [ATTR_GEN_AI_TOOL_NAME]: info.name,
            [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
            [GATEWAY_ATTRIBUTES.server]: info.server,
            [GATEWAY_ATTRIBUTES.tool]: info.tool,
            [GATEWAY_ATTRIBUTES.caller]: info.caller,
            [GATEWAY_ATTRIBUTES.path]: info.via,
          },
        },
        parentContext(parent),
      )
      const out: Partial<TraceCarrier> = {}
      propagator.inject(trace.setSpan(context.active(), span), out, {
        set: (c, key, value) => ((c as Record<string, string>)[key] = value),
      })
      return {
        carrier: out as TraceCarrier,
        end(outcome) {
          span.setAttribute(GATEWAY_ATTRIBUTES.outcome, outcome.outcome)
          if (outcome.guard) span.setAttribute(GATEWAY_ATTRIBUTES.guard, outcome.guard)
          if (outcome.code !== undefined)
            span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, String(outcome.code))
          if (outcome.outcome !== 'ok') {
            span.setAttribute(ATTR_ERROR_TYPE, outcome.outcome)
            span.setStatus({code: SpanStatusCode.ERROR, message: outcome.reason ?? outcome.outcome})
          }
          span.end()
        },
      }
    },
    shutdown: () => provider.shutdown(),
  }
}
