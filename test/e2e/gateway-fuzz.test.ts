import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import {createInterface} from 'node:readline'
import {test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {rawRequest, startHttpGateway} from '../helpers/http-gateway.js'
import {makeSandbox, RUN_JS} from '../helpers/sandbox.js'

/**
 * A short, deterministic fuzz run against real gateways: malformed JSON-RPC bodies and headers over HTTP,
 * malformed lines over stdio. Each input is answered with a 4xx or a JSON-RPC error, or ignored; never a
 * 500, never a crash; and a real client is served afterwards. Bounded by a case count and a time budget,
 * seeded so that a failure names the case that reproduces it.
 */

const SEED = 0x5eed12
const BUDGET_MS = 4_000
const TOKEN = 'fuzz-token-0123456789'

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function generator(seed: number) {
  const rand = prng(seed)
  const int = (n: number) => Math.floor(rand() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!
  const junk = (n: number) => Array.from({length: n}, () => String.fromCharCode(int(0x2fff))).join('')
  const ascii = (n: number) => Array.from({length: n}, () => String.fromCharCode(32 + int(95))).join('')
  const methods = [
    'initialize',
    'tools/list',
    'tools/call',
    'ping',
    'prompts/get',
    'resources/read',
    'completion/complete',
    'logging/setLevel',
    'notifications/initialized',
    'notifications/cancelled',
    'server/discover',
    'x'.repeat(300),
    '',
    'rpc.discover',
  ]
  const values = (): unknown =>
    pick<() => unknown>([
      () => null,
      () => int(1e9) - 5e8,
      () => 1e308 * 10,
      () => ascii(int(40)),
      () => junk(int(20)),
      () => [],
      () => ({}),
      () => [values(), values()],
      () => ({a: values(), _meta: pick([null, 1, 'x', {progressToken: values()}])}),
      () => true,
    ])()
  const message = (): unknown => {
    const m: Record<string, unknown> = {}
    if (rand() < 0.9) m.jsonrpc = pick(['2.0', '2.0', '1.0', 2, null])
    if (rand() < 0.8) m.id = pick<unknown>([1, 'a', null, {}, [], 1.5, -1, 'x'.repeat(200)])
    if (rand() < 0.9) m.method = pick<unknown>([...methods, 1, null, {}])
    if (rand() < 0.7)
      m.params = pick<unknown>([
        values(),
        {name: pick(['echo', '', 'x'.repeat(100), 1]), arguments: values()},
        {
          protocolVersion: pick(['2025-06-18', '2026-07-28', 'x', 1]),
          capabilities: values(),
          clientInfo: values(),
        },
        {uri: pick(['', 'file:///etc/passwd', values()])},
      ])
    if (rand() < 0.1) m.result = values()
    if (rand() < 0.1) m.error = values()
    return m
  }
  const body = (): string =>
    pick<() => string>([
      () => JSON.stringify(message()),
      () => JSON.stringify([message(), message()]),
      () => '[]',
      () => JSON.stringify(message()).slice(0, int(30)),
      () => junk(int(200)),
      () => '{"jsonrpc":"2.0","id":1,"method":"ping"' + '}'.repeat(int(3)),
      () => '['.repeat(2000) + ']'.repeat(2000),
      () => JSON.stringify(values()),
      () => '',
    ])()
  return {rand, int, pick, ascii, junk, body, message}
}

test('HTTP: malformed JSON-RPC bodies and headers get 4xx or JSON-RPC errors, never a 500', async (t) => {
  // Bound to ::1 spelled out, as a user might: loopback all the same (the old code took it for a public
  // address and answered some of the Host values below with a 500).
  const gateway = await startHttpGateway(['--max-body-size', '65536', '--dynamic-tools=false'], {
    env: {MCP_GATEWAY_AUTH_TOKEN: TOKEN},
    host: '0:0:0:0:0:0:0:1',
  })
  const g = generator(SEED)
  const init = await rawRequest(gateway.port, {
    host: '::1',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 'fuzz', version: '1'}},
    }),
  })
  const session = init.headers['mcp-session-id'] as string
  const started = Date.now()
  let cases = 0
  const statuses = new Map<number, number>()
  try {
    while (cases < 600 && Date.now() - started < BUDGET_MS) {
      cases++
      const headers: Record<string, string> = {}
      if (g.rand() < 0.95) headers.authorization = `Bearer ${TOKEN}`
      if (g.rand() < 0.8)
        headers['content-type'] = g.pick([
          'application/json',
          'text/plain',
          g.ascii(10),
          'application/json; charset=latin1',
        ])
      if (g.rand() < 0.8)
        headers.accept = g.pick([
          'application/json, text/event-stream',
          'text/event-stream',
          '*/*',
          g.ascii(12),
        ])
      if (g.rand() < 0.4) headers['mcp-session-id'] = g.pick([session, g.ascii(g.int(80)), '', session + 'x'])
      if (g.rand() < 0.4)
        headers['mcp-protocol-version'] = g.pick(['2025-06-18', '2026-07-28', '2025-03-26', g.ascii(8), ''])
      if (g.rand() < 0.2) headers['mcp-method'] = g.pick(['tools/list', 'tools/call', g.ascii(20)])
      if (g.rand() < 0.1)
        headers.origin = g.pick(['http://localhost', 'null', g.ascii(15), 'http://localhost.evil'])
      if (g.rand() < 0.15)
        headers.host = g.pick([
          'localhost',
          g.ascii(12),
          'localhost:0',
          '[::1]',
          'localhost@evil',
          '[::1',
          'a b',
        ])
      if (g.rand() < 0.05) headers['last-event-id'] = g.ascii(30)
      const method = g.pick(['POST', 'POST', 'POST', 'POST', 'GET', 'DELETE', 'PUT', 'OPTIONS', 'HEAD'])
      const path = g.pick([
        '/mcp',
        '/mcp',
        '/mcp',
        '/sse',
        `/sse?sessionId=${encodeURIComponent(g.ascii(10))}`,
        '/messages?sessionId=',
        '/',
        '/%ff',
        '/mcp?x=1',
        '/metrics',
      ])
      const body = method === 'GET' || method === 'HEAD' ? undefined : g.body()
      const label = `case ${cases} (seed ${SEED}): ${method} ${path} ${JSON.stringify(headers)} ${body?.slice(0, 120)}`
      // A GET on /mcp or /sse may open an event stream: read the status, then hang up.
      const r = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          {host: '::1', port: gateway.port, method, path, headers, agent: false},
          (res) => {
            resolve(res.statusCode!)
            res.destroy()
          },
        )
        req.on('error', (err) => reject(new Error(`${label}: ${err.message}`)))
        req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')))
        req.end(body)
      })
      statuses.set(r, (statuses.get(r) ?? 0) + 1)
      assert.ok(r < 500 || r === 503, `${label} -> ${r}`)
      assert.notEqual(r, 500, label)
    }
    // Raw malformed HTTP: Node's parser answers 400 (or closes); the process must live on.
    for (const raw of [
      'GARBAGE\r\n\r\n',
      'POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n',
      'POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: localhost\r\n\r\nzz\r\n',
    ]) {
      await new Promise<void>((resolve) => {
        const s = net.connect(gateway.port, '::1', () => s.end(raw))
        s.on('error', () => resolve())
        s.on('close', () => resolve())
        s.resume()
      })
    }
    t.diagnostic(`${cases} cases; statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
    const client = new Client({name: 'after-fuzz', version: '1.0.0'})
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gateway.base}/mcp`), {
        requestInit: {headers: {Authorization: `Bearer ${TOKEN}`}},
      }),
    )
    assert.deepEqual((await client.listTools()).tools, [])
    await client.ping()
    await client.close()
    assert.equal(gateway.child.exitCode, null, 'the gateway exited')
    assert.doesNotMatch(gateway.stderr(), /internal error/)
  } finally {
    assert.equal(await gateway.stop(), 0, gateway.stderr())
  }
})

test('stdio: malformed lines are answered with JSON-RPC errors or ignored, and the session goes on', async (t) => {
  const sandbox = await makeSandbox()
  const child = spawn(process.execPath, [RUN_JS, 'gateway', 'run', '--dynamic-tools=false'], {
    env: sandbox.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const lines: string[] = []
  const waiters: Array<() => void> = []
  createInterface({input: child.stdout}).on('line', (line) => {
    lines.push(line)
    for (const w of waiters.splice(0)) w()
  })
  const answerTo = async (id: string) => {
    const deadline = Date.now() + 30_000
    for (;;) {
      const found = lines.map((l) => JSON.parse(l) as {id?: unknown}).find((m) => m.id === id)
      if (found) return found as {id: string; result?: unknown; error?: unknown}
      if (Date.now() > deadline) throw new Error(`no answer to ${id}; stderr:\n${stderr}`)
      await new Promise<void>((r) => {
        waiters.push(r)
        setTimeout(r, 200)
      })
    }
  }
  const send = (line: string) => child.stdin.write(line + '\n')
  try {
    send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'init',
        method: 'initialize',
        params: {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 'fuzz', version: '1'}},
      }),
    )
    assert.ok((await answerTo('init')).result)
    send(JSON.stringify({jsonrpc: '2.0', method: 'notifications/initialized'}))
    const g = generator(SEED + 1)
    const started = Date.now()
    let cases = 0
    while (cases < 400 && Date.now() - started < BUDGET_MS) {
      cases++
      // Never a newline inside a line: that would be two lines.
      send(g.body().replace(/[\r\n]/g, ' '))
      if (cases % 50 === 0) {
        send(JSON.stringify({jsonrpc: '2.0', id: `probe-${cases}`, method: 'ping'}))
        assert.ok((await answerTo(`probe-${cases}`)).result, `no pong after case ${cases} (seed ${SEED + 1})`)
      }
    }
    send(JSON.stringify({jsonrpc: '2.0', id: 'final', method: 'tools/list'}))
    assert.deepEqual((await answerTo('final')).result, {tools: []})
    // Everything the gateway wrote on stdout is JSON-RPC.
    for (const line of lines) {
      const m = JSON.parse(line) as Record<string, unknown>
      assert.equal(m.jsonrpc, '2.0', line)
    }
    t.diagnostic(`${cases} lines; ${lines.length} answers`)
    assert.equal(child.exitCode, null, stderr)
  } finally {
    child.stdin.end()
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)))
    await sandbox.cleanup()
  }
})
