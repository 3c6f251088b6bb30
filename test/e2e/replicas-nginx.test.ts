/**
 * Replicas without sticky sessions (issue #20), for real: NGINX from Debian packages terminates TLS (a
 * self-signed certificate made here with openssl) on 127.0.0.1 and spreads requests round-robin, with no
 * affinity, over three `gateway run --transport streaming --peers ...` replicas on the /main/ sub-path, with
 * the config in deploy/nginx/. Real SDK clients (2025-era sessions and 2026-07-28 stateless) call a
 * long-lived fixture server in real containers. The bugs guarded against: a session request that lands on
 * a replica that does not own it fails; killing a replica breaks sessions it did not own or stateless
 * calls; a rolling restart loses calls.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {mkdtemp, readFile, rm, writeFile, mkdir} from 'node:fs/promises'
import https from 'node:https'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Readable} from 'node:stream'
import {after, before, describe, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {ownerTag, replicaTag} from '../../src/gateway/http/cluster/session-id.js'
import {containersOfGateway, eventually, textOf, waitForHealth, writeTestCatalog} from '../helpers/gateway.js'
import {freePort} from '../helpers/http-gateway.js'
import {makeSandbox, ROOT, RUN_JS, run, type Sandbox} from '../helpers/sandbox.js'

const TOKEN = 'replicas-token-0123456789'
const auth = {Authorization: `Bearer ${TOKEN}`}
const hasNginx = (() => {
  try {
    execFileSync('nginx', ['-v'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
})()

let sandbox: Sandbox
let dir = ''
let catalog = ''
let ca = ''
let front = ''
let nginx: ChildProcess | undefined
let nginxLog = ''
const ports: number[] = []
/** The live replica of each slot. */
const replicas: Replica[] = []
/** Every gateway process started, for the container cleanup. */
const pids: number[] = []
let echo = ''

interface Replica {
  port: number
  child: ChildProcess
  log: () => string
  exited: Promise<void>
}

async function startReplica(slot: number): Promise<Replica> {
  const port = ports[slot]!
  const peers = ports.map((p) => `127.0.0.1:${p}`).join(',')
  const child = spawn(
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
      'sticky',
      '--no-cache',
      '--metrics',
      '--max-containers-per-server',
      '40',
      '--peers',
      peers,
    ],
    {env: {...sandbox.env, MCP_GATEWAY_AUTH_TOKEN: TOKEN}, stdio: ['ignore', 'ignore', 'pipe']},
  )
  pids.push(child.pid!)
  let log = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  await waitForHealth(`http://127.0.0.1:${port}`, 180_000).catch((err: Error) => {
    child.kill('SIGKILL')
    throw new Error(`${err.message}\n${log}`)
  })
  const replica = {port, child, log: () => log, exited}
  replicas[slot] = replica
  return replica
}

/** A fetch that trusts the test's certificate (the SDK transports take one). */
function tlsFetch(caPem: string): typeof fetch {
  const agent = new https.Agent({ca: caPem, keepAlive: true})
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
    const headers = Object.fromEntries(new Headers(init.headers).entries())
    const body =
      init.body == null
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : Buffer.from(await new Response(init.body).arrayBuffer())
    return new Promise<Response>((resolve, reject) => {
      const req = https.request(
        url,
        {method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined},
        (res) => {
          const h = new Headers()
          for (const [k, v] of Object.entries(res.headers)) for (const x of [v ?? []].flat()) h.append(k, x)
          const status = res.statusCode!
          const noBody = [204, 205, 304].includes(status)
          if (noBody) res.resume()
          resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream), {status, headers: h}))
        },
      )
      req.once('error', reject)
      req.end(body)
    })
  }) as typeof fetch
}

let fetchTls: typeof fetch

function transport(): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(new URL(`${front}/main/mcp`), {
    fetch: fetchTls,
    requestInit: {headers: auth},
  })
}

/** A 2025-era client that starts a new session when told its session is unknown (404), as the spec says. */
class SessionClient {
  client!: Client
  sessionId = ''
  reinits = 0
  calls = 0
  readonly errors: string[] = []

  async connect(): Promise<void> {
    this.client = new Client({name: 'replicas-2025', version: '1.0.0'})
    this.client.onerror = () => {}
    const t = transport()
    await this.client.connect(t)
    this.sessionId = t.sessionId!
  }

  async call(text: string): Promise<void> {
    try {
      const result = await this.client.callTool({name: echo, arguments: {text}})
      assert.equal(textOf(result), text)
      this.calls++
    } catch (err) {
      const message = (err as Error).message
      if (!/unknown session/.test(message)) return void this.errors.push(message)
      this.reinits++
      await this.client.close().catch(() => {})
      await this.connect()
      await this.call(text)
    }
  }

  close(): Promise<void> {
    return this.client.close().catch(() => {})
  }
}

/** A 2026-07-28 client: every request stands alone. */
class StatelessClient {
  client = new Client(
    {name: 'replicas-2026', version: '1.0.0'},
    {versionNegotiation: {mode: {pin: '2026-07-28'}}},
  )
  calls = 0
  readonly errors: string[] = []

  connect(): Promise<void> {
    this.client.onerror = () => {}
    return this.client.connect(transport())
  }

  async call(text: string): Promise<void> {
    try {
      assert.equal(textOf(await this.client.callTool({name: echo, arguments: {text}})), text)
      this.calls++
    } catch (err) {
      this.errors.push((err as Error).message)
    }
  }

  close(): Promise<void> {
    return this.client.close().catch(() => {})
  }
}

const tagOf = (slot: number) => replicaTag(`127.0.0.1:${ports[slot]}`)
const ownerSlot = (sessionId: string) => ports.findIndex((_, i) => tagOf(i) === ownerTag(sessionId))

/** A counter of a replica's /metrics (asked directly, not through NGINX). */
async function metric(slot: number, line: string): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${ports[slot]}/metrics`, {headers: auth})
  const text = await r.text()
  const found = text.split('\n').find((l) => l.startsWith(line + ' '))
  return Number(found?.slice(line.length + 1) ?? NaN)
}
/**
 * Sessions until every live replica owns one. Initialize requests go round-robin with everything else, and
 * a connect is three requests (initialize, initialized, the GET stream): one more request after each
 * moves the next initialize on to the next replica.
 */
async function sessionsOnEveryReplica(): Promise<SessionClient[]> {
  const sessions: SessionClient[] = []
  for (let i = 0; i < 15 && new Set(sessions.map((c) => ownerSlot(c.sessionId))).size < 3; i++) {
    const c = new SessionClient()
    await c.connect()
    await c.client.listTools()
    sessions.push(c)
  }
  assert.equal(new Set(sessions.map((c) => ownerSlot(c.sessionId))).size, 3, 'sessions on every replica')
  return sessions
}

/** NGINX's error log, for failure messages. */
const nginxErrors = () =>
  readFile(path.join(dir, 'error.log'), 'utf8').then(
    (t) => t.slice(-4000),
    () => '',
  )

const FORWARDED = 'mcp_gateway_replica_forwarded_requests_total{outcome="answered"}'
const RECEIVED = 'mcp_gateway_replica_received_requests_total'

before(async () => {
  if (!hasNginx) return
  sandbox = await makeSandbox()
  catalog = await writeTestCatalog(sandbox)
  dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-nginx-'))
  // A self-signed certificate for 127.0.0.1 and localhost: the clients trust exactly it.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    {stdio: 'ignore'},
  )
  ca = await readFile(path.join(dir, 'cert.pem'), 'utf8')
  fetchTls = tlsFetch(ca)
  for (let i = 0; i < 3; i++) ports.push(await freePort())
  await Promise.all([0, 1, 2].map((slot) => startReplica(slot)))

  // NGINX: deploy/nginx's template rendered, inside a main config of the test's own (pid, logs, temp dirs).
  const nginxPort = await freePort()
  const template = await readFile(path.join(ROOT, 'deploy/nginx/mcp-gateway.conf.template'), 'utf8')
  const vars: Record<string, string> = {
    NGINX_LISTEN: `127.0.0.1:${nginxPort}`,
    TLS_CERT: path.join(dir, 'cert.pem'),
    TLS_KEY: path.join(dir, 'key.pem'),
    GATEWAY_UPSTREAMS: ports.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n    '),
  }
  await writeFile(
    path.join(dir, 'mcp-gateway.conf'),
    template.replace(/\$\{([A-Z_]+)\}/g, (m, name: string) => vars[name] ?? m),
  )
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(path.join(dir, d))
  const conf = path.join(dir, 'nginx.conf')
  await writeFile(
    conf,
    `daemon off;
${process.getuid?.() === 0 ? 'user root root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/mcp-gateway.conf;
}
`,
  )
  nginx = spawn('nginx', ['-c', conf, '-p', dir, '-e', path.join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  nginx.stderr!.setEncoding('utf8').on('data', (d: string) => (nginxLog += d))
  front = `https://127.0.0.1:${nginxPort}`
  const status = await eventually(
    () =>
      fetchTls(`${front}/main/health`)
        .then((r) => r.status)
        .catch(() => 0),
    (s) => s === 200,
    30_000,
  )
  assert.equal(status, 200, `NGINX did not come up: ${nginxLog}`)
  // The fixture's echo tool, under whatever name the long-lived entry gives it.
  const probe = new StatelessClient()
  await probe.connect()
  echo = (await probe.client.listTools()).tools.map((t) => t.name).find((n) => n.endsWith('echo'))!
  await probe.close()
  assert.ok(echo, 'the fixture has an echo tool')
})

after(async () => {
  if (!hasNginx) return
  if (nginx && nginx.exitCode === null) {
    nginx.kill('SIGQUIT')
    await new Promise((r) => nginx!.once('exit', r))
  }
  await Promise.all(
    replicas.map(async (r) => {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM')
      await r.exited
    }),
  )
  // A replica killed with SIGKILL left its containers: removed by its label.
  for (const pid of pids) {
    const ids = await containersOfGateway(pid)
    if (ids.length) await run('docker', ['rm', '-f', ...ids])
  }
  await rm(dir, {recursive: true, force: true})
  await sandbox.cleanup()
})

describe(
  'replicas behind NGINX (round robin, no affinity, TLS, /main/)',
  {skip: !hasNginx && 'nginx is not installed'},
  () => {
    test('2025-era sessions: every request lands anywhere and reaches its session; replicas forward to each other', async () => {
      const clients = await sessionsOnEveryReplica()
      try {
        for (let round = 0; round < 6; round++) {
          await Promise.all(clients.map((c, i) => c.call(`round ${round} client ${i}`)))
          for (const c of clients) assert.ok((await c.client.listTools()).tools.some((t) => t.name === echo))
        }
        for (const c of clients) {
          assert.deepEqual(c.errors, [])
          assert.equal(c.reinits, 0)
          assert.ok(ownerSlot(c.sessionId) >= 0, `session ${c.sessionId} names a replica`)
        }
        // Each replica got requests on sessions it did not own, and relayed them; each served relayed ones.
        for (const slot of [0, 1, 2]) {
          assert.ok((await metric(slot, FORWARDED)) > 0, `replica ${slot} forwarded`)
          assert.ok((await metric(slot, RECEIVED)) > 0, `replica ${slot} received forwards`)
        }
      } finally {
        await Promise.all(clients.map((c) => c.close()))
      }
    })

    test('2026-07-28 stateless clients: served by any replica, nothing forwarded', async () => {
      const before = await Promise.all([0, 1, 2].map((s) => metric(s, FORWARDED)))
      const clients = Array.from({length: 3}, () => new StatelessClient())
      for (const c of clients) await c.connect()
      try {
        for (let round = 0; round < 6; round++)
          await Promise.all(clients.map((c, i) => c.call(`stateless ${round} ${i}`)))
        for (const c of clients) assert.deepEqual(c.errors, [])
        assert.deepEqual(await Promise.all([0, 1, 2].map((s) => metric(s, FORWARDED))), before)
      } finally {
        await Promise.all(clients.map((c) => c.close()))
      }
    })

    test('legacy SSE: the stream on one replica, the messages posted to another', async () => {
      const stream = await fetch(`http://127.0.0.1:${ports[0]}/sse`, {
        headers: {...auth, accept: 'text/event-stream'},
      })
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader()
      let seen = ''
      const until = async (re: RegExp) => {
        while (!re.test(seen)) {
          const {value, done} = await reader.read()
          if (done) throw new Error(`stream ended: ${seen}`)
          seen += value
        }
        return re.exec(seen)!
      }
      try {
        const endpoint = (await until(/event: endpoint\ndata: (\S+)/))[1]!
        assert.equal(ownerSlot(new URL(endpoint, 'http://x').searchParams.get('sessionId')!), 0)
        const posted = await fetch(`http://127.0.0.1:${ports[1]}${endpoint}`, {
          method: 'POST',
          headers: {...auth, 'content-type': 'application/json'},
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: {
              protocolVersion: '2025-06-18',
              capabilities: {},
              clientInfo: {name: 'sse', version: '1'},
            },
          }),
        })
        assert.equal(posted.status, 202)
        // The answer to the initialize posted to replica 1 comes on replica 0's stream.
        await until(/Docker MCP Gateway/)
        assert.match(seen, /"id":1/)
      } finally {
        await reader.cancel().catch(() => {})
      }
    })

    test('one replica killed (SIGKILL): only its sessions start again; no stateless call fails', async () => {
      const sessions = await sessionsOnEveryReplica()
      const stateless = Array.from({length: 2}, () => new StatelessClient())
      for (const c of stateless) await c.connect()
      const round = (n: number) =>
        Promise.all([
          ...sessions.map((c, i) => c.call(`s${n}-${i}`)),
          ...stateless.map((c, i) => c.call(`t${n}-${i}`)),
        ])
      try {
        for (let n = 0; n < 3; n++) await round(n)
        // Between two rounds, with sessions open and streams held: a crash, no goodbye.
        const victim = 2
        const owned = sessions.map((c) => ownerSlot(c.sessionId) === victim)
        replicas[victim]!.child.kill('SIGKILL')
        await replicas[victim]!.exited
        for (let n = 3; n < 8; n++) await round(n)
        for (const [i, c] of sessions.entries()) {
          assert.deepEqual(c.errors, [], `session ${i}\n${await nginxErrors()}`)
          if (owned[i]) assert.ok(c.reinits >= 1, `session ${i} (on the killed replica) started again`)
          else assert.equal(c.reinits, 0, `session ${i} (on a live replica) went on`)
        }
        for (const c of stateless) assert.deepEqual(c.errors, [], await nginxErrors())
      } finally {
        await Promise.all([...sessions, ...stateless].map((c) => c.close()))
      }
      await startReplica(2)
    })

    test('rolling restart (SIGTERM one replica, start its successor, next) while calls run: no call fails', async () => {
      const sessions = Array.from({length: 3}, () => new SessionClient())
      for (const c of sessions) await c.connect()
      const stateless = Array.from({length: 3}, () => new StatelessClient())
      for (const c of stateless) await c.connect()
      let running = true
      const loop = async (c: SessionClient | StatelessClient, name: string) => {
        for (let n = 0; running; n++) await c.call(`${name}-${n}`)
      }
      const loops = [
        ...sessions.map((c, i) => loop(c, `s${i}`)),
        ...stateless.map((c, i) => loop(c, `t${i}`)),
      ]
      const total = () => [...sessions, ...stateless].reduce((sum, c) => sum + c.calls, 0)
      try {
        for (const slot of [0, 1, 2]) {
          const calls = total()
          replicas[slot]!.child.kill('SIGTERM')
          await replicas[slot]!.exited
          await startReplica(slot)
          // Calls go on with the successor in place before the next replica is replaced.
          await eventually(
            async () => total(),
            (n) => n >= calls + 12,
            120_000,
          )
        }
      } finally {
        running = false
        await Promise.all(loops)
        await Promise.all([...sessions, ...stateless].map((c) => c.close()))
      }
      const errors = await nginxErrors()
      for (const [i, c] of sessions.entries())
        assert.deepEqual(c.errors, [], `session client ${i}\n${errors}`)
      for (const [i, c] of stateless.entries())
        assert.deepEqual(c.errors, [], `stateless client ${i}\n${errors}`)
      assert.ok(stateless.every((c) => c.calls > 0))
    })
  },
)
