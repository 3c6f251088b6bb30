/**
 * Issue #20, deploy/compose: what of the compose project can run on this machine, run.
 *
 * The public images it names (nginx, prom/prometheus, grafana/grafana) cannot be pulled here, so:
 * - `docker-compose config` validates compose.yaml (and the test checks that NGINX's upstream, Prometheus'
 *   targets and the gateway services agree);
 * - Prometheus from Debian's package runs on 127.0.0.1 with deploy/compose/prometheus/prometheus.yml, changed
 *   only in its targets (3 real gateways on 127.0.0.1, started by this test as the compose services are, with
 *   the token in a file: MCP_GATEWAY_AUTH_TOKEN_FILE), the credentials file's path and the scrape interval;
 *   every target must be up (the bearer token reached Prometheus through credentials_file: /metrics answers
 *   401 without it), and every PromQL expression of the Grafana dashboard (panels and variables) must return
 *   series: the dashboard is made of metrics the gateway really exports;
 * - NGINX from Debian's package runs deploy/compose/nginx/docker-mcp.conf, changed only in its upstream
 *   addresses and certificate paths, with a self-signed certificate made here: an MCP request through it
 *   over TLS reaches each replica in turn.
 * Grafana itself is not run (no package here): its provisioning files are parsed and checked.
 *
 * Needs the fixture image (DOCKER_MCP_TEST_TAG); prometheus and nginx (scripts/test.sh installs them).
 */
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import https from 'node:https'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {randomBytes} from 'node:crypto'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'
import {parse, stringify} from 'yaml'

import {eventually, IMAGES, textOf} from '../helpers/gateway.js'
import {freePort, startHttpGateway, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {ROOT, run} from '../helpers/sandbox.js'

const COMPOSE = path.join(ROOT, 'deploy/compose')
const id = randomBytes(4).toString('hex')
const SERVER = `promprobe-${id}`
const TOKEN = randomBytes(16).toString('hex')

let dir: string
let tokenFile: string
const gateways: HttpGatewayProcess[] = []
const children: ChildProcess[] = []

function which(bin: string): string | undefined {
  return ['/usr/bin', '/usr/sbin', '/usr/local/bin'].map((d) => path.join(d, bin)).find((p) => existsSync(p))
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-deploy-compose-'))
  tokenFile = path.join(dir, 'mcp_gateway_token')
  await writeFile(tokenFile, `${TOKEN}\n`, {mode: 0o600})
})

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
  await Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)),
  )
  await Promise.all(gateways.map((g) => g.stop()))
  const left = (await run('docker', ['ps', '-aq', '--filter', `label=docker-mcp-name=${SERVER}`])).stdout
    .split('\n')
    .filter(Boolean)
  if (left.length) await run('docker', ['rm', '-f', ...left])
  if (dir) await rm(dir, {recursive: true, force: true})
})

interface ComposeFile {
  services: Record<
    string,
    {
      image: string
      command?: string[]
      environment?: Record<string, string>
      secrets?: unknown[]
      volumes?: string[]
    }
  >
  secrets: Record<string, {file: string}>
}

const gatewayNames = (file: ComposeFile) => Object.keys(file.services).filter((s) => s.startsWith('gateway-'))

test('compose: docker-compose config accepts the project; NGINX, Prometheus and the gateways agree', async () => {
  const config = await run('docker-compose', ['--file', path.join(COMPOSE, 'compose.yaml'), 'config'], {
    cwd: COMPOSE,
  })
  assert.equal(config.code, 0, config.stderr)
  const file = parse(config.stdout) as ComposeFile
  const names = gatewayNames(file)
  assert.deepEqual(names, ['gateway-1', 'gateway-2', 'gateway-3'])
  for (const name of names) {
    const service = file.services[name]!
    assert.equal(service.environment?.MCP_GATEWAY_AUTH_TOKEN_FILE, '/run/secrets/mcp_gateway_token')
    assert.equal(service.environment?.MCP_GATEWAY_AUTH_TOKEN, undefined, 'no token in the environment')
    assert.ok(service.command?.includes('--metrics'), `${name} serves /metrics`)
    assert.ok(service.volumes?.some((v) => v.startsWith('/var/run/docker.sock:')))
  }
  for (const name of ['nginx', 'prometheus', 'grafana']) assert.ok(file.services[name], name)

  const nginx = await readFile(path.join(COMPOSE, 'nginx/docker-mcp.conf'), 'utf8')
  const upstream = [...nginx.matchAll(/^\s*server\s+([\w.-]+:\d+)/gm)].map((m) => m[1])
  assert.deepEqual(
    upstream,
    names.map((n) => `${n}:8811`),
  )
  assert.match(nginx, /proxy_buffering off;/)
  assert.match(nginx, /keepalive \d+;/)

  const prometheus = parse(
    await readFile(path.join(COMPOSE, 'prometheus/prometheus.yml'), 'utf8'),
  ) as PromConfig
  const job = prometheus.scrape_configs[0]!
  assert.deepEqual(
    job.static_configs[0]!.targets,
    names.map((n) => `${n}:8811`),
  )
  assert.equal(job.authorization.credentials_file, '/run/secrets/mcp_gateway_token')

  // Grafana: the provisioned datasource is the compose Prometheus, and the dashboard uses it.
  const datasource = parse(
    await readFile(path.join(COMPOSE, 'grafana/provisioning/datasources/prometheus.yaml'), 'utf8'),
  ) as {datasources: Array<{uid: string; url: string; type: string}>}
  assert.equal(datasource.datasources[0]!.url, 'http://prometheus:9090')
  const provider = parse(
    await readFile(path.join(COMPOSE, 'grafana/provisioning/dashboards/docker-mcp.yaml'), 'utf8'),
  ) as {providers: Array<{options: {path: string}}>}
  assert.equal(provider.providers[0]!.options.path, '/var/lib/grafana/dashboards')
  const dashboard = await readDashboard()
  assert.equal(
    (dashboard.templating.list.find((v) => v.name === 'datasource')!.current as {value: string}).value,
    datasource.datasources[0]!.uid,
  )
})

interface PromConfig {
  global: {scrape_interval: string}
  scrape_configs: Array<{
    job_name: string
    authorization: {type: string; credentials_file: string}
    static_configs: Array<{targets: string[]}>
  }>
}

interface Dashboard {
  panels: Array<{title: string; targets: Array<{expr: string}>}>
  templating: {list: Array<{name: string; query?: unknown; current?: unknown}>}
}

async function readDashboard(): Promise<Dashboard> {
  return JSON.parse(
    await readFile(path.join(COMPOSE, 'grafana/dashboards/docker-mcp.json'), 'utf8'),
  ) as Dashboard
}

/** Every PromQL expression of the dashboard (panels, and variables' label_values as series selectors). */
function dashboardQueries(dashboard: Dashboard): Array<{where: string; expr: string}> {
  const out: Array<{where: string; expr: string}> = []
  for (const panel of dashboard.panels)
    for (const target of panel.targets) out.push({where: `panel "${panel.title}"`, expr: target.expr})
  for (const variable of dashboard.templating.list) {
    const q = (variable.query as {query?: string} | undefined)?.query
    const m = q && /^label_values\((.+),\s*\w+\)$/.exec(q)
    if (m) out.push({where: `variable "${variable.name}"`, expr: m[1]!})
  }
  // What Grafana puts in place of its variables: every job and replica, a 1 m rate window, a 5 m range.
  return out.map(({where, expr}) => ({
    where,
    expr: expr
      .replaceAll('$job', '.+')
      .replaceAll('$instance', '.+')
      .replaceAll('$__rate_interval', '1m')
      .replaceAll('$__range', '5m'),
  }))
}

test('compose: the dashboard names only metrics the gateway exports', async () => {
  const source = await readFile(path.join(ROOT, 'src/gateway/metrics.ts'), 'utf8')
  const exported = new Set([...source.matchAll(/name: '(\w+)'/g)].map((m) => m[1]))
  const used = new Set(
    dashboardQueries(await readDashboard()).flatMap(({expr}) =>
      [...expr.matchAll(/\b(mcp_gateway_\w+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')),
    ),
  )
  assert.ok(used.size >= 4, [...used].join(', '))
  for (const name of used) assert.ok(exported.has(name), `${name} is not exported by src/gateway/metrics.ts`)
})

test('compose: Prometheus (Debian) scrapes 3 real gateways with the token file; every dashboard query has series', async (t) => {
  const prometheusBin = which('prometheus')
  if (!prometheusBin) return t.skip('prometheus is not installed (scripts/test.sh installs it)')
  const catalog = path.join(dir, 'catalog.yaml')
  await writeFile(
    catalog,
    [
      'version: 2',
      'name: prom-test',
      'registry:',
      `  ${SERVER}:`,
      `    image: ${IMAGES.fixture}`,
      '    longLived: true',
      '',
    ].join('\n'),
  )
  // The gateways as the compose services run them: --metrics, the token read from a file.
  for (let i = 0; i < 3; i++) {
    gateways.push(
      await startHttpGateway(['--metrics', '--catalog', catalog, '--servers', SERVER], {
        env: {MCP_GATEWAY_AUTH_TOKEN_FILE: tokenFile, MCP_GATEWAY_AUTH_TOKEN: ''},
        readyMs: 120_000,
      }),
    )
  }
  // /metrics needs the token: what Prometheus must send.
  assert.equal((await fetch(`${gateways[0]!.base}/metrics`)).status, 401)

  const config = parse(await readFile(path.join(COMPOSE, 'prometheus/prometheus.yml'), 'utf8')) as PromConfig
  config.global.scrape_interval = '1s'
  const job = config.scrape_configs[0]!
  job.authorization.credentials_file = tokenFile
  job.static_configs[0]!.targets = gateways.map((g) => `127.0.0.1:${g.port}`)
  const configFile = path.join(dir, 'prometheus.yml')
  await writeFile(configFile, stringify(config))
  const promPort = await freePort()
  const prom = spawn(
    prometheusBin,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    {stdio: ['ignore', 'ignore', 'pipe']},
  )
  children.push(prom)
  let promLog = ''
  prom.stderr!.setEncoding('utf8').on('data', (d: string) => (promLog += d))
  const query = async (
    expr: string,
  ): Promise<Array<{metric: Record<string, string>; value: [number, string]}>> => {
    const r = await fetch(
      `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`,
    ).catch(() => undefined)
    if (!r?.ok) return []
    return (
      (await r.json()) as {data: {result: Array<{metric: Record<string, string>; value: [number, string]}>}}
    ).data.result
  }

  // Calls through every replica: a 2026-07-28 (stateless) client and a 2025 session each.
  for (const g of gateways) {
    for (const era of ['2026', '2025'] as const) {
      const client = new Client(
        {name: 'prom-test', version: '1'},
        era === '2026' ? {versionNegotiation: {mode: {pin: '2026-07-28'}}} : {},
      )
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${g.base}/mcp`), {
          requestInit: {headers: {Authorization: `Bearer ${TOKEN}`}},
        }),
      )
      try {
        for (let n = 0; n < 3; n++) {
          const r = await client.callTool({name: 'echo', arguments: {text: `${era} ${n}`}})
          assert.equal(textOf(r), `${era} ${n}`)
        }
      } finally {
        await client.close()
      }
    }
  }

  // Every target up: the token reached Prometheus through credentials_file (else 401: up == 0).
  const up = await eventually(
    () => query(`up{job="${job.job_name}"} == 1`),
    (r) => r.length === 3,
    90_000,
  )
  assert.equal(up.length, 3, `targets up: ${JSON.stringify(up)}\n${promLog}`)

  for (const {where, expr} of dashboardQueries(await readDashboard())) {
    const result = await eventually(
      () => query(expr),
      (r) => r.length > 0,
      60_000,
    )
    assert.ok(result.length > 0, `${where}: no series for ${expr}\n${promLog}`)
  }
  // Per-replica panels see the three replicas.
  const byInstance = await query('sum by (instance) (mcp_gateway_tool_calls_total)')
  assert.equal(byInstance.length, 3)
})

test('compose: NGINX (Debian) with the compose site config terminates TLS and spreads requests over the replicas', async (t) => {
  const nginxBin = which('nginx')
  if (!nginxBin) return t.skip('nginx is not installed (scripts/test.sh installs it)')
  if (gateways.length < 3) return t.skip('needs the three gateways of the Prometheus test')
  const key = path.join(dir, 'tls.key')
  const cert = path.join(dir, 'tls.crt')
  const made = await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ])
  assert.equal(made.code, 0, made.stderr)
  const port = await freePort()
  let site = await readFile(path.join(COMPOSE, 'nginx/docker-mcp.conf'), 'utf8')
  gateways.forEach((g, i) => (site = site.replace(`gateway-${i + 1}:8811`, `127.0.0.1:${g.port}`)))
  site = site
    .replace('listen 443 ssl http2;', `listen 127.0.0.1:${port} ssl http2;`)
    .replace('/etc/nginx/tls/tls.crt', cert)
    .replace('/etc/nginx/tls/tls.key', key)
  await writeFile(path.join(dir, 'site.conf'), site)
  // The minimal main config around the site file (the image's own nginx.conf plays this part in compose).
  await writeFile(
    path.join(dir, 'nginx.conf'),
    [
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${path.join(dir, 'nginx-error.log')} warn;`,
      'daemon off;',
      'worker_processes 1;',
      'events { worker_connections 256; }',
      'http {',
      `  access_log ${path.join(dir, 'nginx-access.log')};`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (p) => `  ${p}_temp_path ${path.join(dir, p)};`,
      ),
      `  include ${path.join(dir, 'site.conf')};`,
      '}',
      '',
    ].join('\n'),
  )
  const checked = await run(nginxBin, ['-t', '-c', path.join(dir, 'nginx.conf')])
  assert.equal(checked.code, 0, checked.stderr)
  const nginx = spawn(nginxBin, ['-c', path.join(dir, 'nginx.conf')], {stdio: 'ignore'})
  children.push(nginx)
  const ca = await readFile(cert)

  // A 2025 initialize through NGINX, as raw HTTPS: each answer names the replica's session; round-robin
  // over 6 requests reaches all 3 replicas (their /metrics count the sessions).
  const post = () =>
    new Promise<number>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: '/mcp',
          method: 'POST',
          ca,
          servername: 'localhost',
          headers: {
            Authorization: `Bearer ${TOKEN}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
        },
        (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode!))
        },
      )
      req.on('error', reject)
      req.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: {name: 'nginx-test', version: '1'},
          },
        }),
      )
    })
  const before = await Promise.all(gateways.map(sessionsOf))
  const statuses = await eventually(
    () => post().catch(() => 0),
    (s) => s === 200,
    30_000,
  )
  assert.equal(statuses, 200)
  for (let i = 0; i < 5; i++) assert.equal(await post(), 200)
  const afterCount = await Promise.all(gateways.map(sessionsOf))
  afterCount.forEach((n, i) => assert.ok(n > before[i]!, `replica ${i + 1} got sessions through NGINX`))
})

async function sessionsOf(g: HttpGatewayProcess): Promise<number> {
  const text = await (await fetch(`${g.base}/metrics`, {headers: {Authorization: `Bearer ${TOKEN}`}})).text()
  return Number(/^mcp_gateway_sessions (\d+)/m.exec(text)?.[1] ?? NaN)
}
