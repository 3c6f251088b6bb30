import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import http from 'node:http'
import type net from 'node:net'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {connectGateway, eventually, IMAGES, textOf} from '../helpers/gateway.js'
import {startHttpGateway, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {remoteEntry, startRemoteServer, type RemoteServer} from '../helpers/remote-server.js'
import {makeSandbox, ROOT, type Sandbox} from '../helpers/sandbox.js'

/**
 * Observability (issue #20): OpenTelemetry traces sent to a real OTLP/HTTP receiver on loopback (this
 * test's, decoding the JSON the official exporter sends), JSON log lines, and /status. Tracing is proved
 * off by default by watching which modules the gateway loads.
 */
const TOKEN = 'observe-token-0123456789'
const GITHUB_TOKEN = `ghp_${'aB3dE5gH7jK9'.repeat(3)}`
const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const CLIENT_SPAN = '00f067aa0ba902b7'
const META_TRACE = '0af7651916cd43dd8448eb211c80319c'
const META_SPAN = 'b7ad6b7169203331'
/** A first call starts a container: minutes on a loaded machine (no timed assertion, a generous bound). */
const SLOW = 300_000

interface Span {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes: Array<{key: string; value: Record<string, unknown>}>
  status?: {code?: number; message?: string}
  resource: Record<string, unknown>
}

/** An OTLP/HTTP receiver: collects the spans of every export (http/json, as exporter-trace-otlp-http sends). */
async function startReceiver() {
  const spans: Span[] = []
  let posts = 0
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (d: string) => (body += d))
    req.on('end', () => {
      posts++
      const doc = JSON.parse(body) as {
        resourceSpans: Array<{
          resource: {attributes: Array<{key: string; value: Record<string, unknown>}>}
          scopeSpans: Array<{spans: Omit<Span, 'resource'>[]}>
        }>
      }
      for (const rs of doc.resourceSpans) {
        const resource = Object.fromEntries(
          rs.resource.attributes.map((a) => [a.key, Object.values(a.value)[0]]),
        )
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({...s, resource})
      }
      res.writeHead(200, {'content-type': 'application/json'}).end('{}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    get posts() {
      return posts
    },
    close: () => new Promise((r) => server.close(r)),
  }
}

function attr(span: Span, key: string): unknown {
  const found = span.attributes.find((a) => a.key === key)
  return found ? Object.values(found.value)[0] : undefined
}

/** Every stderr line as JSON (fails on the first line that is not). */
function jsonLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>
      } catch {
        throw new Error(`not a JSON log line: ${line}`)
      }
    })
}

describe('tracing, JSON logs and /status over HTTP (a remote server upstream)', () => {
  let sandbox: Sandbox
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  let alpha: RemoteServer
  let gateway: HttpGatewayProcess

  before(async () => {
    sandbox = await makeSandbox()
    receiver = await startReceiver()
    alpha = await startRemoteServer(0, 'alpha')
    const catalog = path.join(sandbox.home, 'remotes.yaml')
    await writeFile(
      catalog,
      'version: 2\nname: remotes\ndisplayName: Remotes\nregistry:\n' + remoteEntry('alpha', alpha.url),
    )
    gateway = await startHttpGateway(
      ['--catalog', catalog, '--servers', 'alpha', '--no-cache', '--log-calls', '--log-format', 'json'],
      {
        sandbox,
        env: {
          MCP_GATEWAY_AUTH_TOKEN: TOKEN,
          DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS: '1',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_SERVICE_NAME: 'observe-test',
          OTEL_BSP_SCHEDULE_DELAY: '50',
        },
      },
    )
  })

  after(async () => {
    await gateway?.stop()
    await alpha?.close()
    await receiver?.close()
    await sandbox?.cleanup()
  })

  async function connect(headers: Record<string, string> = {}) {
    const client = new Client({name: 'observe-test', version: '1.0.0'})
    const transport = new StreamableHTTPClientTransport(new URL(`${gateway.base}/mcp`), {
      requestInit: {headers: {Authorization: `Bearer ${TOKEN}`, ...headers}},
    })
    await client.connect(transport)
    return {client, transport}
  }

  const spanOf = (traceId: string) =>
    eventually(
      async () => receiver.spans.find((s) => s.traceId === traceId),
      (s) => s !== undefined,
    )

  test('a call is one span, child of the client traceparent header, and the remote gets its context', async () => {
    const {client, transport} = await connect({traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`})
    assert.equal(textOf(await client.callTool({name: 'alpha_ping', arguments: {}})), 'pong from alpha')
    const span = await spanOf(CLIENT_TRACE)
    assert.ok(span, `no span of trace ${CLIENT_TRACE}: ${JSON.stringify(receiver.spans)}`)
    assert.equal(span.parentSpanId, CLIENT_SPAN)
    assert.equal(span.name, 'tools/call alpha_ping')
    assert.equal(span.kind, 2, 'a server span')
    assert.equal(attr(span, 'mcp.method.name'), 'tools/call')
    assert.equal(attr(span, 'gen_ai.tool.name'), 'alpha_ping')
    assert.equal(attr(span, 'docker_mcp.server'), 'alpha')
    assert.equal(attr(span, 'docker_mcp.caller.id'), 'token:default')
    assert.equal(attr(span, 'docker_mcp.outcome'), 'ok')
    assert.equal(attr(span, 'mcp.session.id'), transport.sessionId)
    assert.equal(span.resource['service.name'], 'observe-test')
    // The remote server's request carries the gateway span as parent, in the same trace: header and _meta.
    const expected = `00-${CLIENT_TRACE}-${span.spanId}-01`
    assert.ok(
      alpha.posts.some((h) => h.traceparent === expected),
      `no POST with traceparent ${expected}: ${JSON.stringify(alpha.posts.map((h) => h.traceparent))}`,
    )
    assert.deepEqual((alpha.pingMeta.at(-1) as {traceparent?: string}).traceparent, expected)
    await client.close()
  })

  test("params._meta.traceparent is the parent (it wins over the header); a guard's refusal is its outcome", async () => {
    const {client} = await connect({traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`})
    await client.callTool({
      name: 'alpha_ping',
      arguments: {},
      _meta: {traceparent: `00-${META_TRACE}-${META_SPAN}-01`},
    })
    const span = await spanOf(META_TRACE)
    assert.ok(span)
    assert.equal(span.parentSpanId, META_SPAN)

    const refusedTrace = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
    await assert.rejects(
      client.callTool({
        name: 'alpha_ping',
        arguments: {note: GITHUB_TOKEN},
        _meta: {traceparent: `00-${refusedTrace}-${META_SPAN}-01`},
      }),
      /block-secrets|secret/i,
    )
    const refused = await spanOf(refusedTrace)
    assert.ok(refused)
    assert.equal(attr(refused, 'docker_mcp.outcome'), 'refused')
    assert.equal(attr(refused, 'docker_mcp.guard'), 'block-secrets')
    assert.equal(refused.status?.code, 2, 'an error status')
    await client.close()
  })

  test('/status needs the token and lists the server with its calls and errors', async () => {
    assert.equal((await fetch(`${gateway.base}/status`)).status, 401)
    const res = await fetch(`${gateway.base}/status`, {headers: {Authorization: `Bearer ${TOKEN}`}})
    assert.equal(res.status, 200)
    const status = (await res.json()) as {servers: Array<Record<string, unknown>>; containers: number}
    const server = status.servers.find((s) => s.name === 'alpha')
    assert.ok(server, JSON.stringify(status))
    assert.equal(server.kind, 'remote')
    assert.equal(server.lifecycle, 'long-lived')
    assert.equal(server.state, 'ready')
    assert.equal(server.tools, 2)
    assert.ok((server.calls as number) >= 3, JSON.stringify(server))
    assert.ok((server.errors as number) >= 1, JSON.stringify(server))
    assert.match(String(server.lastError), /block-secrets|secret/i)
    assert.ok(!JSON.stringify(status).includes(GITHUB_TOKEN))
  })

  test('every stderr line is JSON with time, level and msg; call log lines have their fields', () => {
    const lines = jsonLines(gateway.stderr())
    assert.ok(lines.length > 3)
    for (const line of lines) {
      assert.ok(!Number.isNaN(Date.parse(String(line.time))), JSON.stringify(line))
      assert.ok(['info', 'warn', 'debug'].includes(String(line.level)), JSON.stringify(line))
      assert.equal(typeof line.msg, 'string')
    }
    const ends = lines.filter((l) => l.event === 'call.end')
    const ok = ends.find((l) => l.outcome === 'ok')
    assert.ok(ok, JSON.stringify(lines))
    assert.equal(ok.server, 'alpha')
    assert.equal(ok.tool, 'alpha_ping')
    assert.equal(ok.caller, 'token:default')
    assert.equal(typeof ok.session, 'string')
    assert.equal(typeof ok.duration_ms, 'number')
    const failed = ends.find((l) => l.outcome === 'error')
    assert.ok(failed && failed.level === 'warn' && typeof failed.error === 'string', JSON.stringify(ends))
    assert.ok(lines.some((l) => l.event === 'call.start' && l.arguments === 'object with 1 field(s)'))
    assert.ok(!gateway.stderr().includes(GITHUB_TOKEN))
  })
})

describe('tracing off by default; on over stdio (the raw hot path)', () => {
  const HOOK = path.join(ROOT, 'test/fixtures/observe/record-modules.mjs')

  async function stdioRun(extraEnv: Record<string, string>, args: string[]) {
    const sandbox = await makeSandbox()
    const log = path.join(sandbox.home, 'modules.log')
    await writeFile(log, '')
    Object.assign(sandbox.env, {NODE_OPTIONS: `--import ${HOOK}`, RECORD_MODULES: log, ...extraEnv})
    const catalog = path.join(sandbox.home, 'sticky.yaml')
    await writeFile(
      catalog,
      `version: 2\nname: sticky\ndisplayName: Sticky\nregistry:\n  sticky:\n    title: Sticky\n    description: the fixture, long-lived\n    type: server\n    image: ${IMAGES.fixture}\n    longLived: true\n    env:\n      - name: FIXTURE_NAME\n        value: sticky\n`,
    )
    const g = await connectGateway(
      sandbox,
      ['--catalog', catalog, '--servers', 'sticky', '--no-cache', '--log-format', 'json', ...args],
      {viaDocker: false},
    )
    return {g, sandbox, log}
  }

  test('without OTEL variables (or with OTEL_SDK_DISABLED) no OpenTelemetry module is loaded and nothing is sent', async () => {
    const receiver = await startReceiver()
    try {
      for (const env of [{}, {OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url}] as Array<
        Record<string, string>
      >) {
        const {g, sandbox, log} = await stdioRun(env, [])
        try {
          for (let i = 0; i < 3; i++)
            assert.equal(
              textOf(await g.client.callTool({name: 'echo', arguments: {text: 'hi'}}, {timeout: SLOW})),
              'hi',
            )
          await g.close()
          const loaded = (await readFile(log, 'utf8')).split('\n')
          assert.ok(
            loaded.some((u) => u.includes('gateway-fast-path')),
            'the hook sees the gateway modules',
          )
          assert.deepEqual(
            loaded.filter((u) => /opentelemetry|\/otel-[^/]*\.js/.test(u)),
            [],
            JSON.stringify(env),
          )
          for (const line of jsonLines(g.stderr())) assert.equal(typeof line.msg, 'string')
        } finally {
          await g.close()
          await sandbox.cleanup()
        }
      }
      assert.equal(receiver.posts, 0)
    } finally {
      await receiver.close()
    }
  })

  test('with OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, raw-path calls are traced (and the SDK is loaded)', async () => {
    const receiver = await startReceiver()
    const {g, sandbox, log} = await stdioRun(
      {OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`, OTEL_BSP_SCHEDULE_DELAY: '50'},
      [],
    )
    try {
      const trace = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
      await g.client.callTool({name: 'echo', arguments: {text: 'one'}}, {timeout: SLOW})
      await g.client.callTool({
        name: 'echo',
        arguments: {text: 'two'},
        _meta: {traceparent: `00-${trace}-${META_SPAN}-01`},
      })
      const span = await eventually(
        async () => receiver.spans.find((s) => s.traceId === trace),
        (s) => s !== undefined,
      )
      assert.ok(span, JSON.stringify(receiver.spans))
      assert.equal(span.parentSpanId, META_SPAN)
      assert.equal(attr(span, 'docker_mcp.path'), 'raw')
      assert.equal(attr(span, 'docker_mcp.server'), 'sticky')
      assert.equal(attr(span, 'docker_mcp.caller.id'), 'local')
      assert.equal(attr(span, 'docker_mcp.outcome'), 'ok')
      assert.equal(span.resource['service.name'], 'docker-mcp-gateway')
      const loaded = (await readFile(log, 'utf8')).split('\n')
      assert.ok(
        loaded.some((u) => /opentelemetry|\/otel-[^/]*\.js/.test(u)),
        'the module check sees the SDK when it is loaded',
      )
    } finally {
      await g.close()
      await sandbox.cleanup()
      await receiver.close()
    }
  })
})

describe('/status with a long-lived container server', () => {
  test('shows its container, lifecycle, calls and errors, and a server that cannot start with its error', async () => {
    const sandbox = await makeSandbox()
    const catalog = path.join(sandbox.home, 'status.yaml')
    await writeFile(
      catalog,
      `version: 2\nname: status\ndisplayName: Status\nregistry:\n  sticky:\n    title: Sticky\n    description: the fixture, long-lived\n    type: server\n    image: ${IMAGES.fixture}\n    longLived: true\n    env:\n      - name: FIXTURE_NAME\n        value: sticky\n  broken:\n    title: Broken\n    description: an image that does not exist\n    type: server\n    image: docker-mcp-does-not-exist:never\n`,
    )
    const gateway = await startHttpGateway(
      ['--catalog', catalog, '--servers', 'sticky,broken', '--no-cache'],
      {
        sandbox,
        env: {MCP_GATEWAY_AUTH_TOKEN: TOKEN},
        readyMs: 120_000,
      },
    )
    try {
      const client = new Client({name: 'observe-status', version: '1.0.0'})
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${gateway.base}/mcp`), {
          requestInit: {headers: {Authorization: `Bearer ${TOKEN}`}},
        }),
      )
      assert.equal(
        textOf(await client.callTool({name: 'echo', arguments: {text: 'hi'}}, {timeout: SLOW})),
        'hi',
      )
      const status = (await (
        await fetch(`${gateway.base}/status`, {headers: {Authorization: `Bearer ${TOKEN}`}})
      ).json()) as {servers: Array<Record<string, unknown>>; containers: number}
      const sticky = status.servers.find((s) => s.name === 'sticky')
      assert.ok(sticky, JSON.stringify(status))
      assert.deepEqual(
        {kind: sticky.kind, lifecycle: sticky.lifecycle, state: sticky.state, containers: sticky.containers},
        {kind: 'container', lifecycle: 'long-lived', state: 'ready', containers: 1},
      )
      assert.ok((sticky.tools as number) > 5)
      assert.ok((sticky.calls as number) >= 1 && (sticky.errors as number) === 0, JSON.stringify(sticky))
      assert.ok(status.containers >= 1)
      // The pool's view: the session's long-lived container as a replica, the circuit closed.
      const replicas = sticky.replicas as Array<{state: string; outstanding: number}>
      assert.equal(replicas.length, 1, JSON.stringify(sticky))
      assert.equal(replicas[0]!.outstanding, 0)
      assert.equal((sticky.circuit as {state: string}).state, 'closed', JSON.stringify(sticky))
      const broken = status.servers.find((s) => s.name === 'broken')
      assert.ok(broken, JSON.stringify(status))
      assert.notEqual(broken.state, 'ready')
      assert.match(String(broken.lastError), /docker-mcp-does-not-exist/)
      await client.close()
    } finally {
      await gateway.stop()
      await sandbox.cleanup()
    }
  })
})
