import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {after, before, describe, test} from 'node:test'

import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  Client,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client'

import {eventually, textOf, writeTestCatalog} from '../helpers/gateway.js'
import {startHttpGateway, stopLeavingNothing, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

// Issue #21, the 2026-07-28 hot path (src/gateway/http/stateless.ts): a stateless tools/call to a running
// long-lived server goes to the raw path (every guard, no SDK server built for the request). The client must
// see the same answers, bytes included, and the same errors as on the SDK path; what the SDK refuses is still
// refused. A request the raw path leaves alone here is one whose envelope asks for log messages (the SDK's
// per-request log level): the same call, on the SDK path. Which path a call took is read from its trace span
// (`docker_mcp.path`, sent to this test's OTLP receiver; each call names its own trace in `_meta.traceparent`)
// and from the secret guard's log line. Real gateway, real containers, the SDK's own client.
const TOKEN = 'http-stateless-raw-token-0123456789'
const auth = {Authorization: `Bearer ${TOKEN}`}
/** Assembled at run time: this file must not look like a leak to the scanners that guard the repository. */
const SECRET = `ghp_${'aB3dE5gH7jK9'.repeat(3)}`
let sandbox: Sandbox
let http: HttpGatewayProcess
let nextId = 1
let receiver: Server
/** The `docker_mcp.*` attributes of each call span, by trace id (from the OTLP/HTTP JSON the exporter posts). */
const spans = new Map<string, Record<string, unknown>>()

type OtlpAttr = {key: string; value: Record<string, unknown>}
type OtlpDoc = {
  resourceSpans: Array<{scopeSpans: Array<{spans: Array<{traceId: string; attributes: OtlpAttr[]}>}>}>
}

async function startReceiver(): Promise<string> {
  receiver = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (d: string) => (body += d))
    req.on('end', () => {
      for (const rs of (JSON.parse(body) as OtlpDoc).resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const span of ss.spans) {
            const attrs = span.attributes.filter((a) => a.key.startsWith('docker_mcp.'))
            const named = attrs.map((a) => [a.key.slice('docker_mcp.'.length), Object.values(a.value)[0]])
            if (named.length) spans.set(span.traceId, Object.fromEntries(named))
          }
      res.writeHead(200, {'content-type': 'application/json'}).end('{}')
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
}

/** The span of the call of trace `trace` (`path`: raw or sdk, `outcome`), once it is exported. */
const spanOf = (trace: string) =>
  eventually(
    async () => spans.get(trace),
    (span) => span !== undefined,
    30_000,
  ) as Promise<Record<string, unknown>>
const pathOf = async (trace: string) => (await spanOf(trace)).path

type Body = {jsonrpc: string; id: number; result?: Record<string, unknown>; error?: Record<string, unknown>}

/**
 * A 2026-07-28 `tools/call` as the SDK's client sends it (envelope, standard headers). `sdk`: the same call
 * with a per-request log level, which only the SDK path serves. `headers` replace the standard ones.
 */
async function call(
  name: string,
  args: Record<string, unknown>,
  options: {
    sdk?: boolean
    headers?: Record<string, string>
    meta?: Record<string, unknown>
    trace?: string
    signal?: AbortSignal
  } = {},
): Promise<{status: number; type: string; body: Body; text: string; trace: string}> {
  const id = nextId++
  const trace = options.trace ?? randomBytes(16).toString('hex')
  const response = await fetch(`${http.base}/mcp`, {
    method: 'POST',
    signal: options.signal,
    headers: {
      ...auth,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': name,
      ...options.headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name,
        arguments: args,
        _meta: {
          [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
          [CLIENT_CAPABILITIES_META_KEY]: {},
          [CLIENT_INFO_META_KEY]: {name: 'stateless-raw', version: '1.0.0'},
          ...(options.sdk ? {[LOG_LEVEL_META_KEY]: 'emergency'} : {}),
          traceparent: `00-${trace}-${randomBytes(8).toString('hex')}-01`,
          ...options.meta,
        },
      },
    }),
  })
  const text = await response.text()
  const type = response.headers.get('content-type') ?? ''
  // An SSE answer (the SDK path's, when it streams) carries the one JSON-RPC message in its data line.
  const json = type.startsWith('text/event-stream') ? /^data: (.*)$/m.exec(text)![1]! : text
  const body = JSON.parse(json) as Body
  assert.equal(body.id ?? id, id)
  return {status: response.status, type, body, text: json.replace(`"id":${id}`, '"id":0'), trace}
}

before(async () => {
  sandbox = await makeSandbox()
  const catalog = await writeTestCatalog(sandbox)
  http = await startHttpGateway(
    ['--catalog', catalog, '--servers', 'fixture,sticky', '--no-cache', '--verbose'],
    {
      sandbox,
      env: {
        MCP_GATEWAY_AUTH_TOKEN: TOKEN,
        OTEL_EXPORTER_OTLP_ENDPOINT: await startReceiver(),
        OTEL_SERVICE_NAME: 'stateless-raw-test',
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
    },
  )
  // The first stateless call starts the server's container for clients of this kind (SDK path); it then
  // waits idle for the next call, which the raw path takes.
  assert.equal((await call('sticky__echo', {text: 'start'})).body.result?.resultType, 'complete')
})

after(async () => {
  await stopLeavingNothing(http)
  await sandbox?.cleanup()
  await new Promise((r) => receiver?.close(r))
})

describe('2026-07-28 stateless tool calls on the raw path', () => {
  test('a guard refuses on the raw path, with the SDK path answer and log line', async () => {
    const raw = await call('sticky__echo', {text: `use ${SECRET}`})
    const sdk = await call('sticky__echo', {text: `use ${SECRET}`}, {sdk: true})
    assert.equal(raw.status, 200)
    assert.equal(raw.body.error?.code, -32600, raw.text)
    assert.match(
      String(raw.body.error?.message),
      /^a secret is being passed to tool sticky__echo: .*rule github-pat/,
    )
    assert.ok(!raw.text.includes(SECRET.slice(4, 14)), 'the value is never in the error')
    assert.equal(raw.text, sdk.text)
    assert.equal(raw.type, sdk.type)
    const log = await eventually(
      async () => http.stderr(),
      (l) => /block-secrets refused the argument of sticky__echo \(sticky, raw path\)/.test(l),
      10_000,
    )
    assert.match(log, /\(sticky, raw path\)/, 'a stateless call took the raw path')
    assert.match(log, /\(sticky, sdk path\)/, 'the one with a log level took the SDK path')
  })

  test('answers are the SDK path answers, byte for byte: results, tool errors, the server told the same', async () => {
    // [tool, arguments, the path a plain stateless call takes]
    const cases: Array<[string, Record<string, unknown>, string | undefined]> = [
      ['sticky__echo', {text: 'héllo "raw" \u2028 </script>'}, 'raw'],
      ['sticky__echo', {text: 5}, 'raw'], // the server's own input validation: a tool error
      ['sticky__client_capabilities', {}, 'raw'], // the server was told the same client
      ['sticky__echo', {text: 'z'.repeat(512 * 1024)}, 'raw'], // a large answer keeps its text
      // The first call of a per-call server: no spare yet, so it starts its own container (SDK path).
      ['echo', {text: 'a per-call server'}, 'sdk'],
      ['no_such_tool', {}, undefined],
    ]
    for (const [name, args, path] of cases) {
      const raw = await call(name, args)
      const sdk = await call(name, args, {sdk: true})
      assert.equal(raw.status, sdk.status, name)
      assert.equal(raw.type.split(';')[0], sdk.type.split(';')[0], name)
      assert.equal(raw.text, sdk.text, name)
      if (path === undefined) continue
      assert.equal(await pathOf(raw.trace), path, `${name}: the path of the plain call`)
      assert.equal(await pathOf(sdk.trace), 'sdk', `${name}: the path of the call with a log level`)
    }
    const big = await call('sticky__echo', {text: 'y'.repeat(300_000)})
    assert.equal((big.body.result?.content as Array<{text: string}>)[0]!.text, 'y'.repeat(300_000))
  })

  test("a per-call server's spare serves a stateless call on the raw path, with the SDK path's answer", async () => {
    // Calls until one finds a spare ready: a per-call server's first call starts its own container, and a
    // spare for the calls after it (which the previous test may have done already).
    let raw: Awaited<ReturnType<typeof call>> | undefined
    for (let i = 0; i < 30 && !raw; i++) {
      const r = await call('echo', {text: 'fresh from a spare'})
      if ((await pathOf(r.trace)) === 'raw') raw = r
      else await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    assert.ok(raw, 'no stateless call to the per-call server took the raw path (30 tries, a second apart)')
    const sdk = await call('echo', {text: 'fresh from a spare'}, {sdk: true})
    assert.equal(await pathOf(sdk.trace), 'sdk')
    assert.equal(raw.status, sdk.status)
    assert.equal(raw.text, sdk.text)
  })

  test('what the SDK refuses is still refused, with its answer', async () => {
    const refusals: Array<Record<string, string>> = [
      {'mcp-name': 'sticky__other'},
      {'mcp-method': 'tools/list'},
      {'mcp-protocol-version': '2025-11-25'},
      {'content-type': 'text/plain'},
    ]
    for (const headers of refusals) {
      const r = await call('sticky__echo', {text: 'x'}, {headers})
      assert.ok(r.status >= 400, `${JSON.stringify(headers)}: ${r.status} ${r.text}`)
      assert.ok(r.body.error, JSON.stringify(headers))
    }
    const missing = await call('sticky__echo', {text: 'x'}, {meta: {[PROTOCOL_VERSION_META_KEY]: 7}})
    assert.equal(missing.status, 400)
    assert.equal(missing.body.error?.code, -32602)
    const wrong = await fetch(`${http.base}/mcp`, {
      method: 'POST',
      headers: {authorization: 'Bearer wrong', 'content-type': 'application/json'},
      body: '{}',
    })
    assert.equal(wrong.status, 401)
  })

  test('a client that goes away cancels its call on the raw path', async () => {
    const trace = randomBytes(16).toString('hex')
    const abort = new AbortController()
    const pending = call('sticky__hang', {}, {trace, signal: abort.signal}).then(
      () => assert.fail('a call that never ends was answered'),
      (err: Error) => err,
    )
    // Aborted once the gateway took the call (its call log names it), not while the request is on its way.
    await eventually(
      async () => http.stderr(),
      (log) => log.includes('Calling tool sticky__hang'),
      60_000,
    )
    abort.abort()
    assert.equal((await pending).name, 'AbortError')
    const span = await spanOf(trace)
    assert.equal(span.path, 'raw')
    assert.equal(span.outcome, 'cancelled')
    // Its container is free for the next call.
    const next = await call('sticky__echo', {text: 'after the cancellation'})
    assert.equal((next.body.result?.content as Array<{text: string}>)[0]!.text, 'after the cancellation')
  })

  test("the SDK's own 2026-07-28 client: concurrent calls each get their answer", async () => {
    const client = new Client(
      {name: 'stateless-raw', version: '1.0.0'},
      {versionNegotiation: {mode: {pin: '2026-07-28'}}},
    )
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${http.base}/mcp`), {requestInit: {headers: auth}}),
    )
    try {
      const texts = Array.from({length: 8}, (_, i) => `modern ${i}`)
      const answers = await Promise.all(
        texts.map((text) => client.callTool({name: 'sticky__echo', arguments: {text}})),
      )
      assert.deepEqual(answers.map(textOf), texts)
      assert.equal(textOf(await client.callTool({name: 'sticky__echo', arguments: {text: 'again'}})), 'again')
    } finally {
      await client.close()
    }
  })
})
