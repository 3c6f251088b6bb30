import {spawn} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import http from 'node:http'
import {hostname} from 'node:os'
import path from 'node:path'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'

import {RUN_JS, run, type Sandbox} from './sandbox.js'

/** Images built by scripts/build-images.mjs --test (DOCKER_MCP_TEST_TAG renames them, as it does there). */
const TEST_TAG = process.env.DOCKER_MCP_TEST_TAG || 'test'
export const IMAGES = {
  dice: 'dice-mcp-server:latest',
  fixture: `docker-mcp-fixture:${TEST_TAG}`,
  everything: `docker-mcp-everything:${TEST_TAG}`,
}

/** A catalog for gateway tests: dice, a per-call fixture, a long-lived one, and one that cannot start. */
export function testCatalog(): string {
  return `version: 2
name: gateway-test
displayName: Gateway test servers
registry:
  dice:
    title: Dice
    description: Roll dice
    type: server
    image: ${IMAGES.dice}
    tools:
      - name: roll_dice
  fixture:
    title: Fixture
    description: Misbehaving test server
    type: server
    image: ${IMAGES.fixture}
    env:
      - name: FIXTURE_NAME
        value: fixture
    secrets:
      - name: fixture.secret
        env: FIXTURE_SECRET
  sticky:
    title: Long-lived fixture
    description: The fixture, one container per client session
    type: server
    image: ${IMAGES.fixture}
    longLived: true
    prefix: sticky
    env:
      - name: FIXTURE_NAME
        value: sticky
  everything:
    title: Everything
    description: The MCP reference server from npm
    type: server
    image: ${IMAGES.everything}
    command: [stdio]
    longLived: true
    prefix: everything
  broken:
    title: Broken
    description: An image that does not exist anywhere
    type: server
    image: docker-mcp-does-not-exist:never
`
}

export async function writeTestCatalog(sandbox: Sandbox): Promise<string> {
  const file = path.join(sandbox.home, 'gateway-test.yaml')
  await writeFile(file, testCatalog())
  return file
}

export async function writeSecretsFile(sandbox: Sandbox, values: Record<string, string>): Promise<string> {
  const file = path.join(sandbox.home, 'test.env')
  await writeFile(
    file,
    Object.entries(values)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  )
  return file
}

export interface ConnectedGateway {
  client: Client
  transport: StdioClientTransport
  stderr: () => string
  close(): Promise<void>
}

/** Launch `docker mcp gateway run …` through the real docker CLI and connect the SDK client to it. */
export async function connectGateway(
  sandbox: Sandbox,
  gatewayArgs: string[],
  options: {
    capabilities?: Record<string, unknown>
    viaDocker?: boolean
    name?: string
    /** Pin the client to a protocol revision, e.g. '2026-07-28'. */
    protocol?: string
  } = {},
): Promise<ConnectedGateway> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(sandbox.env)) if (v !== undefined) env[k] = v
  const viaDocker = options.viaDocker ?? true
  const transport = new StdioClientTransport({
    command: viaDocker ? 'docker' : process.execPath,
    args: viaDocker ? ['mcp', 'gateway', 'run', ...gatewayArgs] : [RUN_JS, 'gateway', 'run', ...gatewayArgs],
    env,
    stderr: 'pipe',
    // The SDK client's default 10 MiB line limit would reject the 20 MiB fault test's result.
    maxBufferSize: 64 * 1024 * 1024,
  })
  let stderr = ''
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
  const client = new Client({name: options.name ?? 'gateway-test', version: '1.0.0'}, {
    capabilities: (options.capabilities ?? {}) as never,
    ...(options.protocol ? {versionNegotiation: {mode: {pin: options.protocol}}} : {}),
  } as never)
  await client.connect(transport)
  return {
    client,
    transport,
    stderr: () => stderr,
    close: async () => {
      await client.close().catch(() => {})
    },
  }
}

/** A gateway over stdio spoken to as lines of JSON-RPC, without an MCP client in between. */
export interface RawGateway {
  /** Send a request and resolve with its answer (the whole JSON-RPC message). */
  request(
    method: string,
    params?: unknown,
  ): Promise<{result?: unknown; error?: {code: number; message: string}}>
  stderr: () => string
  close(): Promise<void>
}

/**
 * Launch `docker mcp gateway run …` and initialize it with a client that reads its stdout linearly: the
 * SDK client's stdio reader concatenates every chunk onto what it holds and searches it all again for a
 * newline, so a 20 MiB answer costs it gigabytes of copying (14 of a test's 17 s here), none of it the
 * gateway's.
 */
export async function connectRawGateway(sandbox: Sandbox, gatewayArgs: string[]): Promise<RawGateway> {
  const child = spawn('docker', ['mcp', 'gateway', 'run', ...gatewayArgs], {
    env: sandbox.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  type Answer = Awaited<ReturnType<RawGateway['request']>>
  const pending = new Map<number, {resolve: (a: Answer) => void; reject: (e: Error) => void}>()
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error(`the gateway exited; its stderr:\n${stderr}`))
  })
  // Chunks since the last newline, searched one at a time for the next newline: linear in the answer's size.
  let held: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => {
    let start = 0
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      held.push(chunk.subarray(start, nl))
      const message = JSON.parse(Buffer.concat(held).toString('utf8')) as Answer & {id?: number}
      held = []
      start = nl + 1
      if (typeof message.id === 'number') {
        pending.get(message.id)?.resolve(message)
        pending.delete(message.id)
      }
    }
    if (start < chunk.length) held.push(chunk.subarray(start))
  })
  let seq = 0
  const request = (method: string, params?: unknown) =>
    new Promise<Answer>((resolve, reject) => {
      const id = ++seq
      pending.set(id, {resolve, reject})
      child.stdin.write(`${JSON.stringify({jsonrpc: '2.0', id, method, params})}\n`)
    })
  const init = await request('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: {name: 'raw-gateway-test', version: '1'},
  })
  if (init.error) {
    // The caller gets no handle to close: the gateway must not outlive the failed start.
    child.stdin.end()
    await exited
    throw new Error(`initialize failed: ${init.error.message}\n${stderr}`)
  }
  child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
  return {
    request,
    stderr: () => stderr,
    close: async () => {
      child.stdin.end()
      await exited
    },
  }
}

/**
 * Containers carrying our label (optionally for one server), started by gateways on this host: the
 * gateway labels each container with its host name, and scripts/test.sh runs a second e2e lane under
 * another host name, so a lane never counts the other's containers.
 */
export async function managedContainers(server?: string, sessions?: ReadonlySet<string>): Promise<string[]> {
  const filters = [
    '--filter',
    'label=docker-mcp=true',
    '--filter',
    `label=docker-mcp-gateway-host=${hostname()}`,
  ]
  if (server) filters.push('--filter', `label=docker-mcp-name=${server}`)
  const r = await run('docker', [
    'ps',
    '-a',
    ...filters,
    '--format',
    '{{.ID}} {{.Label "docker-mcp-session"}}',
  ])
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '))
    .filter(([, session]) => !sessions || sessions.has(session ?? ''))
    .map(([id]) => id!)
}

/** Containers started by the gateway process `pid` (its label), whoever else uses the engine. */
export async function containersOfGateway(pid: number): Promise<string[]> {
  const r = await run('docker', [
    'ps',
    '-a',
    '--filter',
    'label=docker-mcp=true',
    '--filter',
    `label=docker-mcp-gateway-pid=${pid}`,
    '--format',
    '{{.ID}}',
  ])
  return r.stdout.split('\n').filter(Boolean)
}

/** Poll until `predicate` holds or `ms` passes. */
export async function eventually<T>(
  fn: () => Promise<T>,
  predicate: (v: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms
  let value = await fn()
  while (!predicate(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100))
    value = await fn()
  }
  return value
}

export function textOf(result: unknown): string {
  const content = (result as {content?: Array<{type: string; text?: string}>}).content ?? []
  return content
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n')
}

/** Wait until the gateway at `base` (e.g. http://127.0.0.1:8811) answers /health with 200. */
/**
 * GET /health once on a connection of its own, closed after: the status, or 0 when it cannot connect.
 * Not fetch(): fetch keeps the connection in the process's shared pool, and a test's MCP client would then
 * send its first request on it. That connection never presented a token, so a gateway at its connection cap
 * may close it as the oldest unauthenticated one, and the client's request fails ("other side closed").
 */
function healthStatus(base: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(`${base}/health`, {agent: false, headers: {connection: 'close'}}, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', () => resolve(0))
  })
}

export async function waitForHealth(base: string, ms = 30_000): Promise<void> {
  const status = await eventually(
    () => healthStatus(base),
    (s) => s === 200,
    ms,
  )
  if (status !== 200) throw new Error(`${base}/health did not answer 200 within ${ms}ms (last: ${status})`)
}
