import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {Client, SSEClientTransport, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'
import {createMcpHandler, McpServer} from '@modelcontextprotocol/server'
import {toNodeHandler} from '@modelcontextprotocol/node'
import * as z from 'zod'

import {
  containersOfGateway,
  eventually,
  managedContainers,
  textOf,
  waitForHealth,
  testCatalog,
} from '../helpers/gateway.js'
import {freePort} from '../helpers/http-gateway.js'
import {makeSandbox, ROOT, RUN_JS, type Sandbox} from '../helpers/sandbox.js'

const TOKEN = 'test-token-0123456789'
const REMOTE_KEY = 'remote-key-5e1f'
let sandbox: Sandbox
let gateway: ChildProcess
let stderr = ''
let port = 0
let base = ''
let remote: http.Server

/** A remote MCP server over Streamable HTTP on loopback that insists on a header carrying a secret. */
async function startRemote(): Promise<number> {
  const handler = toNodeHandler(
    createMcpHandler(() => {
      const server = new McpServer({name: 'remote-test', version: '1.0.0'})
      server.registerTool(
        'remote_ping',
        {description: 'answers pong', inputSchema: z.object({})},
        async () => ({
          content: [{type: 'text', text: 'pong from remote'}],
        }),
      )
      return server
    }),
  )
  remote = http.createServer((req, res) => {
    if (req.headers['x-api-key'] !== REMOTE_KEY) {
      res.writeHead(401).end('bad key')
      return
    }
    void handler(req, res)
  })
  await new Promise<void>((r) => remote.listen(0, '127.0.0.1', r))
  return (remote.address() as net.AddressInfo).port
}

before(async () => {
  sandbox = await makeSandbox()
  const remotePort = await startRemote()
  const catalog = path.join(sandbox.home, 'http-test.yaml')
  await writeFile(
    catalog,
    testCatalog() +
      `  remote-test:
    title: Remote test
    description: A remote server on loopback
    type: remote
    remote:
      url: http://127.0.0.1:${remotePort}/mcp
      transport_type: http
      headers:
        X-Api-Key: "\${REMOTE_KEY}"
    secrets:
      - name: remote.key
        env: REMOTE_KEY
`,
  )
  const secrets = path.join(sandbox.home, 'http.env')
  await writeFile(secrets, `remote.key=${REMOTE_KEY}\n`)
  port = await freePort()
  base = `http://127.0.0.1:${port}`
  gateway = spawn(
    process.execPath,
    [
      RUN_JS,
      'gateway',
      'run',
      '--transport',
      'streaming',
      '--port',
      String(port),
      '--catalog',
      catalog,
      '--servers',
      'fixture,sticky,remote-test',
      '--secrets',
      secrets,
      '--max-body-size',
      String(2 * 1024 * 1024),
      '--metrics',
      '--no-cache',
      '--call-timeout',
      '10',
      // The load test runs 32 sessions of a long-lived server: each holds a container under this cap.
      '--max-containers-per-server',
      '40',
    ],
    {
      env: {...sandbox.env, MCP_GATEWAY_AUTH_TOKEN: TOKEN, DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS: '1'},
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  gateway.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  await waitForHealth(base)
})

after(async () => {
  gateway.kill('SIGTERM')
  const code = await new Promise<number | null>((r) => gateway.on('exit', r))
  remote.close()
  assert.equal(code, 0, stderr)
  // Only this gateway's containers: other test files may run gateways on the same engine meanwhile.
  assert.deepEqual(
    await eventually(
      () => containersOfGateway(gateway.pid!),
      (c) => c.length === 0,
      15_000,
    ),
    [],
  )
  await sandbox.cleanup()
})

const auth = {Authorization: `Bearer ${TOKEN}`}

function streamableClient(era: '2025' | '2026', name = 'http-test') {
  const client = new Client(
    {name, version: '1.0.0'},
    era === '2026' ? {versionNegotiation: {mode: {pin: '2026-07-28'}}} : {},
  )
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {requestInit: {headers: auth}})
  return {client, transport}
}

describe('HTTP endpoint security', () => {
  test('/health needs no token', async () => {
    const r = await fetch(`${base}/health`)
    assert.equal(r.status, 200)
  })

  test('no token or a wrong token: 401 with WWW-Authenticate', async () => {
    for (const headers of [{}, {Authorization: 'Bearer wrong'}] as Array<Record<string, string>>) {
      const r = await fetch(`${base}/mcp`, {
        method: 'POST',
        headers: {...headers, 'content-type': 'application/json'},
        body: '{}',
      })
      assert.equal(r.status, 401)
      assert.match(r.headers.get('www-authenticate') ?? '', /Bearer realm="MCP Gateway"/)
    }
  })

  test('a foreign Origin or Host is refused (DNS rebinding)', async () => {
    const a = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {...auth, Origin: 'https://evil.example'},
      body: '{}',
    })
    assert.equal(a.status, 403)
    const b = await new Promise<number>((resolve) => {
      http.get({host: '127.0.0.1', port, path: '/mcp', headers: {...auth, Host: 'evil.example'}}, (res) => {
        res.resume()
        resolve(res.statusCode!)
      })
    })
    assert.equal(b, 403)
  })

  test('an oversized body gets 413, an unknown session 404, a wrong method 405', async () => {
    const big = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream'},
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: {pad: 'x'.repeat(3 * 1024 * 1024)},
      }),
    })
    assert.equal(big.status, 413)
    assert.match(await big.text(), /larger than/)
    const unknown = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        ...auth,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': 'nope',
      },
      body: JSON.stringify({jsonrpc: '2.0', id: 1, method: 'tools/list'}),
    })
    assert.equal(unknown.status, 404)
    const put = await fetch(`${base}/mcp`, {method: 'PUT', headers: auth})
    assert.equal(put.status, 405)
  })

  test('/ redirects to the transport endpoint', async () => {
    const r = await fetch(`${base}/`, {headers: auth, redirect: 'manual'})
    assert.equal(r.status, 307)
    assert.equal(r.headers.get('location'), '/mcp')
  })
})

describe('clients of both protocol eras, and SSE', () => {
  test('2025-era Streamable HTTP client: list, call, progress, resources, prompts, remote server', async () => {
    const {client, transport} = streamableClient('2025')
    await client.connect(transport)
    try {
      const names = (await client.listTools()).tools.map((t) => t.name)
      assert.ok(names.includes('echo') && names.includes('remote_ping'), names.join(','))
      assert.equal(textOf(await client.callTool({name: 'echo', arguments: {text: 'hi 2025'}})), 'hi 2025')
      const progress: number[] = []
      await client.callTool(
        {name: 'slow', arguments: {ms: 400, steps: 2}},
        {onprogress: (p) => void progress.push(p.progress)},
      )
      assert.ok(progress.length >= 1)
      assert.ok((await client.readResource({uri: 'fixture://info'})).contents.length > 0)
      assert.ok((await client.listPrompts()).prompts.length > 0)
      // The remote server received its header, expanded from the declared secret.
      assert.equal(textOf(await client.callTool({name: 'remote_ping', arguments: {}})), 'pong from remote')
    } finally {
      await client.close()
    }
  })

  test('cancellation over HTTP reaches the server', async () => {
    const {client, transport} = streamableClient('2025')
    await client.connect(transport)
    try {
      const cancelled = async () =>
        Number(textOf(await client.callTool({name: 'sticky__cancelled_count', arguments: {}})))
      const before = await cancelled()
      const controller = new AbortController()
      const call = client.callTool(
        {name: 'sticky__slow', arguments: {ms: 10_000, steps: 2}},
        {signal: controller.signal},
      )
      setTimeout(() => controller.abort(new Error('cancelled by test')), 300)
      await assert.rejects(call, /cancel/i)
      // The client's own promise rejects even when the gateway drops the cancellation: ask the server.
      assert.equal(await eventually(cancelled, (n) => n === before + 1, 5000), before + 1)
      assert.equal(textOf(await client.callTool({name: 'echo', arguments: {text: 'ok'}})), 'ok')
    } finally {
      await client.close()
    }
  })

  test('2026-07-28 stateless client on the same endpoint', async () => {
    const {client, transport} = streamableClient('2026')
    await client.connect(transport)
    try {
      const names = (await client.listTools()).tools.map((t) => t.name)
      assert.ok(names.includes('echo'))
      assert.equal(textOf(await client.callTool({name: 'echo', arguments: {text: 'hi 2026'}})), 'hi 2026')
    } finally {
      await client.close()
    }
  })

  test('2026-07-28: a server asking for input mid-call reaches the client as input_required rounds', async () => {
    const client = new Client(
      {name: 'modern-input', version: '1.0.0'},
      {
        capabilities: {elicitation: {form: {}}, sampling: {}},
        versionNegotiation: {mode: {pin: '2026-07-28'}},
      },
    )
    const asked: string[] = []
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push((request.params as {message: string}).message)
      return {action: 'accept', content: {answer: 'green'}}
    })
    client.setRequestHandler('sampling/createMessage', async () => ({
      role: 'assistant',
      content: {type: 'text', text: 'modern sample'},
      model: 'test-model',
    }))
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {requestInit: {headers: auth}}),
    )
    try {
      // Per-call and long-lived servers alike: the container keeps its call open across the rounds.
      for (const name of ['elicit', 'sticky__elicit']) {
        const r = await client.callTool({name, arguments: {message: `colour for ${name}?`}})
        assert.deepEqual(JSON.parse(textOf(r)), {action: 'accept', content: {answer: 'green'}})
      }
      assert.deepEqual(asked, ['colour for elicit?', 'colour for sticky__elicit?'])
      assert.equal(
        textOf(await client.callTool({name: 'sample', arguments: {prompt: 'hi'}})),
        'modern sample',
      )
      // A retry that names no parked call is refused clearly.
      const stale = await client
        .request({
          method: 'tools/call',
          params: {name: 'echo', arguments: {text: 'x'}, requestState: 'no-such-state'},
        } as never)
        .then(
          () => 'answered',
          (e: Error) => e.message,
        )
      assert.match(stale, /no call is waiting for input under this requestState/)
    } finally {
      await client.close()
    }
  })

  test('legacy SSE client on /sse', async () => {
    const client = new Client({name: 'sse-test', version: '1.0.0'})
    await client.connect(
      new SSEClientTransport(new URL(`${base}/sse`), {
        requestInit: {headers: auth},
        eventSourceInit: {
          fetch: (u, i) => fetch(u, {...i, headers: {...(i?.headers as Record<string, string>), ...auth}}),
        },
      }),
    )
    try {
      assert.ok((await client.listTools()).tools.length > 0)
      assert.equal(textOf(await client.callTool({name: 'echo', arguments: {text: 'hi sse'}})), 'hi sse')
    } finally {
      await client.close()
    }
  })

  test('two clients at once with overlapping request ids stay isolated', async () => {
    const a = streamableClient('2025', 'a')
    const b = streamableClient('2025', 'b')
    await Promise.all([a.client.connect(a.transport), b.client.connect(b.transport)])
    try {
      const [ra, rb] = await Promise.all([
        a.client.callTool({name: 'sticky__whoami', arguments: {}}),
        b.client.callTool({name: 'sticky__whoami', arguments: {}}),
      ])
      // Each session has its own long-lived container.
      assert.notEqual(JSON.parse(textOf(ra)).hostname, JSON.parse(textOf(rb)).hostname)
      // Both on the long-lived server, whose containers are already running: only blocking could delay b.
      // An order, not a duration: b's answer must arrive while a's slow call is still running.
      let slowDone = false
      const slow = a.client
        .callTool({name: 'sticky__slow', arguments: {ms: 5000, steps: 1}})
        .finally(() => (slowDone = true))
      assert.equal(textOf(await b.client.callTool({name: 'sticky__echo', arguments: {text: 'b'}})), 'b')
      assert.equal(slowDone, false, "one client's slow call blocked another's")
      assert.equal(textOf(await slow), 'done')
    } finally {
      await Promise.all([a, b].map((c) => c.transport.terminateSession().then(() => c.client.close())))
    }
  })

  test('a third-party client from npm (mcp-remote, a stdio-to-HTTP bridge) calls a tool', async () => {
    const bin = path.join(ROOT, '.tmp/third-party/node_modules/mcp-remote/dist/proxy.js')
    const client = new Client({name: 'via-mcp-remote', version: '1.0.0'})
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(sandbox.env)) if (v !== undefined) env[k] = v
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [
          bin,
          `${base}/mcp`,
          '--header',
          `Authorization:Bearer ${TOKEN}`,
          '--allow-http',
          '--transport',
          'http-only',
        ],
        env,
        stderr: 'pipe',
      }),
    )
    try {
      assert.equal(
        textOf(await client.callTool({name: 'echo', arguments: {text: 'via mcp-remote'}})),
        'via mcp-remote',
      )
    } finally {
      await client.close()
    }
  })
})

describe('load and metrics', () => {
  test('32 clients x 50 calls against a long-lived server: every call answered correctly', async () => {
    const sessions = await Promise.all(
      Array.from({length: 32}, async (_, i) => {
        const c = streamableClient('2025', `load-${i}`)
        await c.client.connect(c.transport)
        return c
      }),
    )
    const clients = sessions.map((s) => s.client)
    const sessionIds = new Set(sessions.map((s) => s.transport.sessionId!))
    try {
      await Promise.all(
        clients.map(async (client, i) => {
          for (let j = 0; j < 50; j++) {
            const text = `c${i}-${j}`
            assert.equal(
              textOf(await client.callTool({name: 'sticky__echo', arguments: {text}}, {timeout: 120_000})),
              text,
            )
          }
        }),
      )
    } finally {
      // A 2025-era client ends its session with DELETE (terminateSession); close() alone only drops the connection.
      await Promise.all(sessions.map((s) => s.transport.terminateSession().then(() => s.client.close())))
    }
    // Sessions ended: their long-lived containers go too (other tests' sessions may still hold theirs).
    assert.deepEqual(
      await eventually(
        () => managedContainers('sticky', sessionIds),
        (c) => c.length === 0,
        30_000,
      ),
      [],
    )
  })

  test('/metrics in Prometheus text format', async () => {
    const r = await fetch(`${base}/metrics`, {headers: auth})
    assert.equal(r.status, 200)
    const text = await r.text()
    assert.match(text, /mcp_gateway_tool_calls_total\{server="sticky",tool="echo",outcome="ok"\} \d+/)
    assert.match(text, /mcp_gateway_tool_call_duration_seconds_bucket/)
    assert.match(text, /mcp_gateway_sessions/)
  })
})
