import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {after, before, describe, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {StreamTransport} from '../../src/gateway/stdio-transport.js'
import {eventually, textOf, writeTestCatalog} from '../helpers/gateway.js'
import {startHttpGateway, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {makeSandbox, RUN_JS, type Sandbox} from '../helpers/sandbox.js'

// Issue #13, what a server streams about a call: its progress and log messages reach the client before the
// call's answer and in the server's order, on the call's own HTTP stream; its cancellation reaches the
// server; and it learns the client's real capabilities. Against the fixture in real containers: `fixture`
// (a container per call) and `sticky` (one long-lived container per session), over stdio and Streamable HTTP.
const TOKEN = 'transparency-stream-token-0123456789'
const auth = {Authorization: `Bearer ${TOKEN}`}
const INPUT_CAPABILITIES = {elicitation: {form: {}}, sampling: {}}
let sandbox: Sandbox
let stdioGateway: ChildProcess
let stdioStderr = ''
const stdioTail = () => stdioStderr.split('\n').slice(-10).join('\n')
let stdio: Recorder
let http: HttpGatewayProcess
/** A 2025 HTTP client without capabilities and without a GET stream, shared by the tests (one session). */
let bare: Recorder

/** An SDK client that records, in order, the log messages and progress it gets and the results of calls. */
class Recorder {
  readonly events: string[] = []
  private readonly waiters = new Map<string, () => void>()

  constructor(
    readonly client: Client,
    /** Every GET (standalone stream) the client tried, for the HTTP clients that refuse to open one. */
    readonly gets: string[] = [],
  ) {
    client.setNotificationHandler('notifications/message', (n) => {
      const data = String(n.params.data)
      this.events.push(`log ${data}`)
      this.waiters.get(data)?.()
    })
  }

  /** Call `name` and return what the client saw meanwhile: logs, progress (when asked for) and the result. */
  async call(name: string, args: Record<string, unknown>, withProgress: boolean): Promise<string[]> {
    const from = this.events.length
    const result = await this.client.callTool(
      {name, arguments: args},
      withProgress ? {onprogress: (p) => void this.events.push(`progress ${p.progress}`)} : {},
    )
    this.events.push(`result ${textOf(result)}`)
    return this.events.slice(from)
  }

  /** Call `wait_cancel` and cancel it once the server said it is waiting (a log line), so it surely arrived. */
  async cancelOnceWaiting(name: string, tag: string, withProgress: boolean): Promise<void> {
    const controller = new AbortController()
    this.waiters.set(`waiting ${tag}`, () => controller.abort(new Error('cancelled by the test')))
    const call = this.client.callTool(
      {name, arguments: {tag}},
      {signal: controller.signal, ...(withProgress ? {onprogress: () => {}} : {})},
    )
    await assert.rejects(call, /cancelled by the test/)
    this.waiters.delete(`waiting ${tag}`)
  }

  async text(name: string): Promise<string> {
    return textOf(await this.client.callTool({name, arguments: {}}))
  }
}

/**
 * An SDK client of the HTTP gateway that never opens the standalone GET stream (its GETs are answered 405,
 * as by a server without one): whatever reaches it during a call came on the call's own response stream.
 */
async function httpClient(
  capabilities: Record<string, unknown>,
  era: '2025' | '2026' = '2025',
): Promise<Recorder> {
  const gets: string[] = []
  const transport = new StreamableHTTPClientTransport(new URL(`${http.base}/mcp`), {
    requestInit: {headers: auth},
    fetch: async (url, init) => {
      if ((init?.method ?? 'GET') === 'GET') {
        gets.push(String(url))
        return new Response(null, {status: 405})
      }
      return fetch(url, init)
    },
  })
  const client = new Client({name: 'transparency-http', version: '1.0.0'}, {
    capabilities,
    ...(era === '2026' ? {versionNegotiation: {mode: {pin: '2026-07-28'}}} : {}),
  } as never)
  const recorder = new Recorder(client, gets)
  await client.connect(transport)
  return recorder
}

before(async () => {
  sandbox = await makeSandbox()
  const catalog = await writeTestCatalog(sandbox)
  // --verbose: a per-call container's stderr is logged, which is where it says it saw a cancellation.
  // The listing cache (in the sandbox) is on: the HTTP gateway, started second, is ready at once.
  const args = ['--catalog', catalog, '--servers', 'fixture,sticky', '--verbose']
  // The stdio gateway, spawned directly; its client declares no capabilities. The client reads through the
  // gateway's own order-keeping stdio transport: the SDK's stdio client loses a notification that shares a
  // chunk with the result (the very bug fixed in the gateway's upstreams), which would blame the gateway.
  stdioGateway = spawn(process.execPath, [RUN_JS, 'gateway', 'run', ...args], {
    env: sandbox.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  stdioGateway.stderr!.setEncoding('utf8').on('data', (d: string) => (stdioStderr += d))
  stdio = new Recorder(new Client({name: 'transparency-stdio', version: '1.0.0'}, {capabilities: {}}))
  await stdio.client.connect(new StreamTransport(stdioGateway.stdout!, stdioGateway.stdin!))
  await stdio.client.listTools()
  http = await startHttpGateway(args, {sandbox, env: {MCP_GATEWAY_AUTH_TOKEN: TOKEN}})
  bare = await httpClient({})
})

after(async () => {
  await stdio?.client.close().catch(() => {})
  await bare?.client.close().catch(() => {})
  if (stdioGateway && stdioGateway.exitCode === null) {
    stdioGateway.stdin!.end()
    await new Promise((r) => stdioGateway.once('exit', r))
  }
  await http?.stop()
  await sandbox?.cleanup()
})

const BURST = ['log burst 1/3', 'progress 1', 'log burst 2/3', 'progress 2', 'log burst 3/3', 'progress 3']
const LOGS = BURST.filter((e) => e.startsWith('log'))

describe('progress and log messages reach the client before the result, in order', () => {
  // `burst` writes its notifications and its result in ONE write: they reach the gateway in one chunk,
  // where the gateway's SDK client used to settle the result first and drop the late progress.
  test('over stdio: a container per call, a long-lived one (SDK path), and its raw hot path', async () => {
    assert.deepEqual(await stdio.call('burst', {steps: 3}, true), [...BURST, 'result burst done'])
    assert.deepEqual(await stdio.call('sticky__burst', {steps: 3}, true), [...BURST, 'result burst done'])
    // No progress token, a running long-lived server: the raw path, which keeps the order too.
    assert.deepEqual(await stdio.call('sticky__burst', {steps: 3}, false), [...LOGS, 'result burst done'])
  })

  test('over Streamable HTTP with no GET stream: on the request stream, before the result', async () => {
    // The old gateway sent log messages to the standalone stream only: without one, they were lost.
    assert.deepEqual(await bare.call('burst', {steps: 3}, true), [...BURST, 'result burst done'])
    assert.deepEqual(await bare.call('sticky__burst', {steps: 3}, true), [...BURST, 'result burst done'])
    assert.deepEqual(await bare.call('sticky__log', {level: 'info', message: 'hello'}, false), [
      'log hello',
      'result logged info',
    ])
    assert.ok(bare.gets.length > 0, 'the client asked for a GET stream and was refused')
  })
})

describe('a cancelled call is cancelled in the server too', () => {
  const perCallSaw = (stderr: () => string, tag: string) =>
    eventually(
      // In the client's words: a container that only saw its connection close says "Connection closed".
      async () => stderr().includes(`fixture: call ${tag} was cancelled (Error: cancelled by the test)`),
      (seen) => seen,
      10_000,
    )
  const stickySaw = (client: Recorder, tag: string) =>
    eventually(
      async () => JSON.parse(await client.text('sticky__cancelled_tags')) as string[],
      (tags) => tags.includes(tag),
      10_000,
    )

  // Each path on its own: a gateway that drops the cancellation on one of them fails that test alone.
  test('over stdio, to a container per call', async () => {
    await stdio.cancelOnceWaiting('wait_cancel', 'stdio-per-call', false)
    assert.ok(await perCallSaw(() => stdioStderr, 'stdio-per-call'), stdioTail())
  })

  test('over stdio, to a long-lived container (SDK path)', async () => {
    // A progress token takes the SDK path, even to a running long-lived server.
    await stdio.cancelOnceWaiting('sticky__wait_cancel', 'stdio-sdk', true)
    assert.ok((await stickySaw(stdio, 'stdio-sdk')).includes('stdio-sdk'))
  })

  test('over stdio, to a running long-lived container (raw hot path)', async () => {
    // sticky is running (the test above): without a progress token the call takes the raw path.
    await stdio.cancelOnceWaiting('sticky__wait_cancel', 'stdio-raw', false)
    assert.ok((await stickySaw(stdio, 'stdio-raw')).includes('stdio-raw'))
  })

  test('over Streamable HTTP, to a container per call', async () => {
    await bare.cancelOnceWaiting('wait_cancel', 'http-per-call', true)
    assert.ok(await perCallSaw(http.stderr, 'http-per-call'), http.stderr().split('\n').slice(-10).join('\n'))
  })

  test('over Streamable HTTP, to a long-lived container', async () => {
    await bare.cancelOnceWaiting('sticky__wait_cancel', 'http-long-lived', false)
    assert.ok((await stickySaw(bare, 'http-long-lived')).includes('http-long-lived'))
  })
})

describe("servers learn the client's real capabilities", () => {
  const capabilitiesSeen = async (client: Recorder, tool: string) =>
    JSON.parse(await client.text(tool)) as Record<string, unknown>

  test('a client without sampling or elicitation: neither is claimed, per call or long-lived', async () => {
    assert.deepEqual(await capabilitiesSeen(stdio, 'client_capabilities'), {})
    assert.deepEqual(await capabilitiesSeen(stdio, 'sticky__client_capabilities'), {})
    assert.deepEqual(await capabilitiesSeen(bare, 'client_capabilities'), {})
    assert.deepEqual(await capabilitiesSeen(bare, 'sticky__client_capabilities'), {})
  })

  test('a client with them: they are passed on (roots, which the gateway does not relay, are not)', async () => {
    const client = await httpClient({...INPUT_CAPABILITIES, roots: {listChanged: true}})
    try {
      assert.deepEqual(await capabilitiesSeen(client, 'client_capabilities'), INPUT_CAPABILITIES)
      assert.deepEqual(await capabilitiesSeen(client, 'sticky__client_capabilities'), INPUT_CAPABILITIES)
    } finally {
      await client.client.close()
    }
  })

  test('2026-07-28 clients, who declare them per request and share containers, each get their own', async () => {
    // Their long-lived containers are shared between clients, grouped by the capabilities they declared.
    const without = await httpClient({}, '2026')
    const able = await httpClient(INPUT_CAPABILITIES, '2026')
    try {
      assert.deepEqual(await capabilitiesSeen(without, 'sticky__client_capabilities'), {})
      assert.deepEqual(await capabilitiesSeen(able, 'sticky__client_capabilities'), INPUT_CAPABILITIES)
    } finally {
      await without.client.close()
      await able.client.close()
    }
  })
})
