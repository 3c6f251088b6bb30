import assert from 'node:assert/strict'
import {PassThrough} from 'node:stream'
import {test} from 'node:test'

import {createLogger, jsonLine, logFormat} from '../../../src/gateway/logger.js'
import {CallCounts, statusReport} from '../../../src/gateway/observe/status.js'
import {
  carrierFromHeaders,
  carrierFromMeta,
  currentTrace,
  metaWithTrace,
  tracingFetch,
  tracingWanted,
  type CallTracer,
  type CallOutcome,
} from '../../../src/gateway/observe/tracing.js'
import {CallRefusedError, forwardedParams, toolCall} from '../../../src/gateway/pipeline/call.js'
import {CallPipeline} from '../../../src/gateway/pipeline/pipeline.js'
import {errorOutcome, tracingStage} from '../../../src/gateway/pipeline/trace.js'
import {ClientCancelledError} from '../../../src/gateway/raw-call.js'
import {SecretMasker} from '../../../src/secrets/mask.js'
import {LOCAL_CALLER} from '../../../src/gateway/session/caller.js'

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const call = (meta?: Record<string, unknown>, headers?: unknown) =>
  toolCall({
    session: 's1',
    caller: LOCAL_CALLER,
    name: 'echo',
    server: 'fixture',
    tool: 'echo',
    arguments: {text: 'x'},
    via: 'sdk',
    clientMeta: meta,
    clientHeaders: headers,
  })

test('tracing is on only with an OTLP endpoint, and never with OTEL_SDK_DISABLED or another exporter', () => {
  assert.equal(tracingWanted({}), false)
  assert.equal(tracingWanted({OTEL_SERVICE_NAME: 'x'}), false)
  assert.equal(tracingWanted({OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318'}), true)
  assert.equal(tracingWanted({OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/v1/traces'}), true)
  assert.equal(tracingWanted({OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_SDK_DISABLED: 'TRUE'}), false)
  assert.equal(tracingWanted({OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_TRACES_EXPORTER: 'none'}), false)
  assert.equal(tracingWanted({OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_TRACES_EXPORTER: 'otlp'}), true)
  assert.equal(tracingWanted({OTEL_EXPORTER_OTLP_ENDPOINT: '  '}), false)
})

test('client trace context: _meta first, then HTTP headers; malformed values are ignored', () => {
  assert.deepEqual(call({traceparent: PARENT, tracestate: 'a=1'}).clientTrace(), {
    traceparent: PARENT,
    tracestate: 'a=1',
  })
  const other = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
  assert.deepEqual(call({traceparent: PARENT}, new Headers({traceparent: other})).clientTrace(), {
    traceparent: PARENT,
  })
  assert.deepEqual(call(undefined, new Headers({traceparent: other})).clientTrace(), {traceparent: other})
  assert.deepEqual(call(undefined, {traceparent: other}).clientTrace(), {traceparent: other})
  assert.equal(carrierFromMeta({traceparent: 'nonsense'}), undefined)
  assert.equal(carrierFromMeta({traceparent: 42}), undefined)
  assert.equal(carrierFromHeaders(undefined), undefined)
  assert.equal(call().clientTrace(), undefined)
})

test('the forwarded params carry the trace context only when the call has one', () => {
  const params = {name: 'echo', arguments: {text: 'x'}, _meta: {progressToken: 7, tracestate: 'old=1'}}
  assert.deepEqual(forwardedParams(params, call()), params)
  const traced = call().withTrace({traceparent: PARENT})
  assert.deepEqual(forwardedParams(params, traced)._meta, {progressToken: 7, traceparent: PARENT})
  assert.deepEqual(metaWithTrace(undefined, {traceparent: PARENT, tracestate: 's=2'}), {
    traceparent: PARENT,
    tracestate: 's=2',
  })
  // Rewritten arguments keep the trace context.
  assert.equal(traced.withArguments({text: 'y'}).trace?.traceparent, PARENT)
})

test('the trace stage ends one span per call with its outcome, and forwards the span context', async () => {
  const ended: CallOutcome[] = []
  const parents: unknown[] = []
  const tracer: CallTracer = {
    startCall: (_info, parent) => {
      parents.push(parent)
      return {carrier: {traceparent: PARENT}, end: (o) => void ended.push(o)}
    },
    shutdown: async () => {},
  }
  const pipeline = new CallPipeline([tracingStage(tracer)])
  let seen: string | undefined
  let store: unknown
  await pipeline.run(call({traceparent: PARENT}), async (c) => {
    seen = c.trace?.traceparent
    store = currentTrace.getStore()
    return {kind: 'result', result: {content: [], isError: true}}
  })
  assert.equal(seen, PARENT)
  assert.deepEqual(store, {traceparent: PARENT})
  assert.deepEqual(parents, [{traceparent: PARENT}])
  assert.equal(ended[0]!.outcome, 'tool_error')
  await assert.rejects(
    pipeline.run(call(), async () => {
      throw new CallRefusedError('policy', 'not allowed')
    }),
  )
  assert.deepEqual(
    {outcome: ended[1]!.outcome, guard: ended[1]!.guard},
    {outcome: 'refused', guard: 'policy'},
  )
  assert.equal(errorOutcome(new ClientCancelledError()).outcome, 'cancelled')
  assert.equal(
    errorOutcome(
      new Error('server "x" did not answer tools/call within 5s (set --call-timeout to wait longer)'),
    ).outcome,
    'timeout',
  )
  assert.equal(errorOutcome(new Error('boom')).outcome, 'error')
})

test('remote fetches carry the current trace context as headers, and only then', async () => {
  const sent: Headers[] = []
  const fetch = tracingFetch((async (_input: unknown, init?: RequestInit) => {
    sent.push(new Headers(init?.headers))
    return new Response('')
  }) as typeof globalThis.fetch)
  await fetch('http://x/mcp', {headers: {a: '1'}})
  await currentTrace.run({traceparent: PARENT, tracestate: 'k=v'}, () =>
    fetch('http://x/mcp', {headers: {a: '1'}}),
  )
  assert.equal(sent[0]!.get('traceparent'), null)
  assert.equal(sent[1]!.get('traceparent'), PARENT)
  assert.equal(sent[1]!.get('tracestate'), 'k=v')
  assert.equal(sent[1]!.get('a'), '1')
})

test('JSON log lines: time, level, msg without its bullet, fields; secrets masked inside JSON too', () => {
  const secrets = new SecretMasker()
  secrets.add(['s3cr3t"value\\x'])
  const line = JSON.parse(
    jsonLine(
      'warn',
      '  > server said s3cr3t"value\\x',
      {server: 'dice', note: 'has s3cr3t"value\\x', n: 3},
      secrets,
    ),
  ) as Record<string, unknown>
  assert.equal(line.level, 'warn')
  assert.ok(!Number.isNaN(Date.parse(String(line.time))))
  assert.equal(line.msg, 'server said s3c****')
  assert.equal(line.note, 'has s3c****')
  assert.equal(line.server, 'dice')
  assert.equal(line.n, 3)
  // A field may not overwrite the line's own.
  assert.equal(
    (JSON.parse(jsonLine('info', 'm', {level: 'x', msg: 'y'}, secrets)) as {level: string}).level,
    'info',
  )

  const out = new PassThrough()
  let text = ''
  out.on('data', (d: Buffer) => (text += d.toString()))
  const logger = createLogger({verbose: false, stream: out, format: 'json'})
  logger.info('- Reading configuration...')
  logger.debug('hidden')
  logger.flush?.()
  assert.equal((JSON.parse(text) as {msg: string}).msg, 'Reading configuration...')
  assert.equal(text.split('\n').filter(Boolean).length, 1)
})

test('--log-format, else DOCKER_MCP_LOG_FORMAT, else text; anything else is refused', () => {
  assert.equal(logFormat(undefined, {}), 'text')
  assert.equal(logFormat('json', {}), 'json')
  assert.equal(logFormat(undefined, {DOCKER_MCP_LOG_FORMAT: 'json'}), 'json')
  assert.equal(logFormat('text', {DOCKER_MCP_LOG_FORMAT: 'json'}), 'text')
  assert.throws(() => logFormat(undefined, {DOCKER_MCP_LOG_FORMAT: 'xml'}), /DOCKER_MCP_LOG_FORMAT="xml"/)
})

test('/status merges what providers know (replicas, circuit) into each server', () => {
  const calls = new CallCounts()
  const observe = calls.observer()!
  observe('a', 't', 0.1, true, LOCAL_CALLER)
  observe('a', 't', 0.1, false, LOCAL_CALLER, 'server "a" did not answer')
  const report = statusReport({
    servers: () => [
      {name: 'a', longLived: true, cacheKey: 'a'},
      {name: 'b', longLived: false, cacheKey: 'b'},
    ],
    remotes: new Map(),
    unavailable: new Map([['b', 'image b is not available']]),
    gateway: {
      failedServers: new Map(),
      listingOf: (s) =>
        s === 'a' ? {tools: [], prompts: [], resources: [], resourceTemplates: []} : undefined,
      pool: {size: 2, containersByServer: () => new Map([['a', 2]])},
    },
    calls,
    providers: [
      {
        serverStatus: () =>
          new Map([['a', {replicas: {desired: 2, healthy: 2}, circuit: {state: 'closed'}}]]),
      },
    ],
  })
  const [a, b] = report.servers
  assert.deepEqual(
    {...a, time: undefined},
    {
      name: 'a',
      kind: 'container',
      lifecycle: 'long-lived',
      state: 'ready',
      tools: 0,
      containers: 2,
      calls: 2,
      errors: 1,
      lastError: 'server "a" did not answer',
      replicas: {desired: 2, healthy: 2},
      circuit: {state: 'closed'},
      time: undefined,
    },
  )
  assert.equal(b!.state, 'unavailable')
  assert.equal(b!.lastError, 'image b is not available')
  assert.equal(
    new CallCounts(false).observer(undefined),
    undefined,
    'no counting where /status is not served',
  )
})
