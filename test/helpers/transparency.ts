import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'
import type {JSONRPCMessage, Transport, TransportSendOptions} from '@modelcontextprotocol/server'

import {eventually, IMAGES} from './gateway.js'
import {freePort, startHttpGateway, type HttpGatewayProcess} from './http-gateway.js'
import {makeSandbox, ROOT, RUN_JS, type Sandbox} from './sandbox.js'

/**
 * The transparency harness: one scripted MCP server (the fixture, test/fixtures/servers/fixture), and the
 * same client script run against it directly and through the real gateway, every message the client
 * receives recorded in order and compared after normalising what may legitimately differ (server→client
 * request ids, the gateway's tool name prefixes, a 2026-07-28 upstream's own `_meta` stamps).
 *
 * Modes (how the gateway reaches the server): a long-lived container, a per-call container, a remote
 * server over Streamable HTTP. Downstream (how the client reaches the gateway): stdio or Streamable HTTP.
 * Directly, the client talks to the fixture run with node: over stdio (container modes) or over
 * Streamable HTTP (the remote mode).
 */
export type UpstreamMode = 'long-lived' | 'per-call' | 'remote'
export type Downstream = 'stdio' | 'http'

export const UPSTREAM_MODES: readonly UpstreamMode[] = ['long-lived', 'per-call', 'remote']
export const DOWNSTREAMS: readonly Downstream[] = ['stdio', 'http']

/** One message the client received, as it arrived. */
export type Received = JSONRPCMessage

/** What a client script gets: the connected client and what it has received so far. */
export interface ScriptContext {
  client: Client
  received: readonly Received[]
  /** Wait until `count` notifications with `method` arrived (at most `ms`); false when fewer did. */
  notified(method: string, count?: number, ms?: number): Promise<boolean>
}

export type ClientScript = (ctx: ScriptContext) => Promise<void>

/** How a client answers its server's requests in every run: fixed answers, so the runs can be compared. */
export const CLIENT_CAPABILITIES = {elicitation: {form: {}}, sampling: {}}

/** A transport that records every message its client receives, in order, before the client handles it. */
class RecordingTransport implements Transport {
  onmessage?: Transport['onmessage']
  onclose?: Transport['onclose']
  onerror?: Transport['onerror']

  constructor(
    private readonly inner: Transport,
    private readonly record: (message: JSONRPCMessage) => void,
  ) {}

  get sessionId(): string | undefined {
    return this.inner.sessionId
  }

  async start(): Promise<void> {
    this.inner.onmessage = (message, extra) => {
      this.record(message)
      this.onmessage?.(message, extra)
    }
    this.inner.onclose = () => this.onclose?.()
    this.inner.onerror = (err) => this.onerror?.(err)
    await this.inner.start()
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.inner.send(message, options)
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version)
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}

/** A connected client whose received messages are recorded; `take` returns and clears them. */
export interface RecordedClient {
  client: Client
  /** What the handshake said (compared on its own: the gateway deliberately has its own name). */
  handshake(): {capabilities: unknown; instructions: string | undefined}
  run(script: ClientScript): Promise<Received[]>
  close(): Promise<void>
}

/** How a client connects: by default it negotiates as SDK clients do (2025, initialize); or pinned to `protocol`. */
export interface ClientOptions {
  protocol?: string
}

async function recordedClient(transport: Transport, options: ClientOptions = {}): Promise<RecordedClient> {
  let received: Received[] = []
  const waiters = new Set<() => void>()
  const recording = new RecordingTransport(transport, (message) => {
    received.push(message)
    for (const wake of waiters) wake()
  })
  const client = new Client({name: 'transparency', version: '1.0.0'}, {
    capabilities: CLIENT_CAPABILITIES,
    ...(options.protocol ? {versionNegotiation: {mode: {pin: options.protocol}}} : {}),
  } as never)
  // Fixed answers: the same in every run, so they compare.
  client.setRequestHandler('elicitation/create', async () => ({action: 'accept', content: {answer: '42'}}))
  client.setRequestHandler('sampling/createMessage', async () => ({
    role: 'assistant',
    content: {type: 'text', text: 'sampled answer'},
    model: 'test-model',
  }))
  await client.connect(recording)
  const notified = async (method: string, count = 1, ms = 5000) => {
    const seen = () =>
      received.filter((m) => (m as {method?: string}).method === method && !('id' in m)).length >= count
    if (seen()) return true
    return new Promise<boolean>((resolve) => {
      const wake = () => {
        if (!seen()) return
        waiters.delete(wake)
        clearTimeout(timer)
        resolve(true)
      }
      const timer = setTimeout(() => {
        waiters.delete(wake)
        resolve(false)
      }, ms)
      waiters.add(wake)
    })
  }
  return {
    client,
    handshake: () => ({capabilities: client.getServerCapabilities(), instructions: client.getInstructions()}),
    async run(script) {
      // What the handshake brought (initialize result: server name, capabilities) is compared on its own.
      received = []
      try {
        await script({client, received, notified})
      } catch (err) {
        // Part of what is compared: the same script may fail one way and not the other.
        received.push({
          jsonrpc: '2.0',
          method: '(the client script threw)',
          params: {message: (err as Error).message},
        })
      }
      const out = received
      received = []
      return out
    },
    close: () => client.close().catch(() => {}),
  }
}

/**
 * How to run the fixture with node: the very bundle its image runs (scripts/build-images.mjs --test writes
 * it before the tests), else its source through tsx (slower to start).
 */
function fixtureArgs(): string[] {
  const bundle = path.join(ROOT, '.tmp/images/fixture/index.mjs')
  return existsSync(bundle)
    ? [bundle]
    : ['--import', 'tsx', path.join(ROOT, 'test/fixtures/servers/fixture/index.ts')]
}

/** The fixture run with node, outside Docker: over stdio (a transport for the client) or over HTTP. */
export function fixtureOverStdio(): StdioClientTransport {
  return new StdioClientTransport({
    command: process.execPath,
    args: fixtureArgs(),
    env: {...(process.env as Record<string, string>), FIXTURE_NAME: 'fixture'},
    cwd: ROOT,
    stderr: 'ignore',
  })
}

export interface FixtureHttp {
  url: string
  stop(): Promise<void>
}

/** Start the fixture serving Streamable HTTP on a free loopback port. */
export async function fixtureOverHttp(): Promise<FixtureHttp> {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, fixtureArgs(), {
    cwd: ROOT,
    env: {...process.env, FIXTURE_NAME: 'fixture', FIXTURE_HTTP_PORT: String(port)},
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const listening = await eventually(
    async () => stderr.includes('listening on'),
    (ok) => ok || child.exitCode !== null,
    60_000,
  )
  if (!listening) {
    child.kill('SIGKILL')
    throw new Error(`the fixture did not start serving HTTP (exit ${child.exitCode}):\n${stderr}`)
  }
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/** The catalog entry of the fixture for `mode` (named `fixture` in every mode: no prefixes, same URIs). */
function catalogFor(mode: UpstreamMode, remoteUrl?: string): string {
  const entry =
    mode === 'remote'
      ? `    type: remote
    remote:
      url: ${remoteUrl}
      transport_type: http
`
      : `    type: server
    image: ${IMAGES.fixture}
    env:
      - name: FIXTURE_NAME
        value: fixture
${mode === 'long-lived' ? '    longLived: true\n' : ''}`
  return `version: 2
name: transparency
displayName: Transparency test
registry:
  fixture:
    title: Fixture
    description: The scripted test server
${entry}`
}

const TOKEN = 'transparency-token-0123456789'

/** A gateway serving the fixture in one mode, reached over one downstream transport. */
export interface GatewayUnderTest {
  mode: UpstreamMode
  downstream: Downstream
  connect(options?: ClientOptions): Promise<RecordedClient>
  stop(): Promise<void>
}

/** Start `gateway run` with the fixture in `mode`, reachable over `downstream`. */
export async function startGateway(mode: UpstreamMode, downstream: Downstream): Promise<GatewayUnderTest> {
  const sandbox: Sandbox = await makeSandbox()
  const remote = mode === 'remote' ? await fixtureOverHttp() : undefined
  const catalog = path.join(sandbox.home, 'transparency.yaml')
  await writeFile(catalog, catalogFor(mode, remote?.url))
  const args = ['--catalog', catalog, '--servers', 'fixture', '--no-cache', '--call-timeout', '30']
  const env = {...sandbox.env, DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS: '1'}
  let http: HttpGatewayProcess | undefined
  try {
    // Ready once the fixture is listed: a container start, slow on a busy engine.
    if (downstream === 'http')
      http = await startHttpGateway(args, {
        sandbox,
        env: {...env, MCP_GATEWAY_AUTH_TOKEN: TOKEN},
        readyMs: 90_000,
      })
  } catch (err) {
    await remote?.stop()
    await sandbox.cleanup()
    throw err
  }
  const clients: RecordedClient[] = []
  return {
    mode,
    downstream,
    async connect(options) {
      const transport = http
        ? new StreamableHTTPClientTransport(new URL(`${http.base}/mcp`), {
            requestInit: {headers: {authorization: `Bearer ${TOKEN}`}},
          })
        : new StdioClientTransport({
            command: process.execPath,
            args: [RUN_JS, 'gateway', 'run', ...args],
            env: Object.fromEntries(
              Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
            ),
            stderr: 'ignore',
          })
      const client = await recordedClient(transport, options)
      clients.push(client)
      return client
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close()))
      await http?.stop()
      await remote?.stop()
      await sandbox.cleanup()
    },
  }
}

/** A direct connection to the fixture, as the gateway in `mode` reaches it (stdio, or HTTP for remote). */
export async function connectDirect(
  mode: UpstreamMode,
  options: ClientOptions = {},
): Promise<RecordedClient & {stop(): Promise<void>}> {
  if (mode !== 'remote') {
    const client = await recordedClient(fixtureOverStdio(), options)
    return {...client, stop: () => client.close()}
  }
  const server = await fixtureOverHttp()
  const client = await recordedClient(new StreamableHTTPClientTransport(new URL(server.url)), options)
  return {
    ...client,
    async stop() {
      await client.close()
      await server.stop()
    },
  }
}

/** Gateway-only `_meta` members and upstream-era stamps that are not part of what the server said. */
const IGNORED_META = ['io.modelcontextprotocol/serverInfo', 'io.modelcontextprotocol/subscriptionId']

/**
 * Make two recordings comparable: server→client request ids become their order of appearance (`req#1`)
 * and the progress token such a request carries becomes `<token>` (the sender picks both, per connection:
 * a per-call container starts counting afresh), tool names lose `prefix`, `_meta` members in IGNORED_META
 * go (dropping `_meta` when it empties), and members are sorted (JSON objects have no order).
 *
 * Notifications whose method is in `unordered` move to the end, in their own order: those the protocol does
 * not order against responses (over Streamable HTTP a server's own notifications travel on the session's
 * stream, the result on the request's).
 */
export function normalise(
  messages: readonly Received[],
  options: {prefix?: string; unordered?: readonly string[]} = {},
): unknown[] {
  const requestIds = new Map<string, string>()
  const renamed = (name: unknown) =>
    typeof name === 'string' && options.prefix && name.startsWith(options.prefix)
      ? name.slice(options.prefix.length)
      : name
  const clean = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(clean)
    if (!value || typeof value !== 'object') return value
    const out: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (key === '_meta' && v && typeof v === 'object') {
        const meta = Object.fromEntries(Object.entries(v).filter(([k]) => !IGNORED_META.includes(k)))
        if (Object.keys(meta).length) out[key] = clean(meta)
        continue
      }
      out[key] = key === 'name' ? renamed(v) : clean(v)
    }
    return out
  }
  const floating = (m: Received) => 'method' in m && !('id' in m) && !!options.unordered?.includes(m.method)
  const ordered = [...messages.filter((m) => !floating(m)), ...messages.filter(floating)]
  return ordered.map((message) => {
    const m = clean(message) as Record<string, unknown>
    if ('method' in m && 'id' in m) {
      const key = JSON.stringify(m.id)
      if (!requestIds.has(key)) requestIds.set(key, `req#${requestIds.size + 1}`)
      m.id = requestIds.get(key)
      const meta = (m.params as {_meta?: Record<string, unknown>} | undefined)?._meta
      if (meta?.progressToken !== undefined) meta.progressToken = '<token>'
    }
    return m
  })
}

/** One line per message: what a reader needs to see where two recordings part. */
function describe(message: unknown): string {
  const m = message as {id?: unknown; method?: string; result?: unknown; error?: unknown; params?: unknown}
  if (m.method && m.id !== undefined) return `request  ${m.method} ${JSON.stringify(m.params ?? {})}`
  if (m.method) return `notify   ${m.method} ${JSON.stringify(m.params ?? {})}`
  if (m.error) return `error    id=${JSON.stringify(m.id)} ${JSON.stringify(m.error)}`
  return `result   id=${JSON.stringify(m.id)} ${JSON.stringify(m.result)}`
}

/**
 * The difference between what the client received directly and through the gateway, as a unified diff of
 * one line per message (`-` only directly, `+` only through the gateway); undefined when they are the same.
 */
export function difference(
  direct: readonly unknown[],
  gateway: readonly unknown[],
  title = '',
): string | undefined {
  const a = direct.map(describe)
  const b = gateway.map(describe)
  if (a.length === b.length && a.every((line, i) => line === b[i])) return undefined
  // Longest common subsequence, then walk it: recordings are short.
  const lcs: number[][] = Array.from({length: a.length + 1}, () => new Array<number>(b.length + 1).fill(0))
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
  const lines: string[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push(`  ${a[i++]}`)
      j++
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      lines.push(`+ ${b[j++]}`)
    } else {
      lines.push(`- ${a[i++]}`)
    }
  }
  return `${title ? `${title}\n` : ''}what the client received (- directly only, + through the gateway only):\n${lines.join('\n')}`
}
