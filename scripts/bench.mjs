#!/usr/bin/env node
// Benchmarks for docker-mcp. Every figure is reported next to a baseline measured in the same run, so
// the ratios mean something on any machine. Run after `npm run build` and `node scripts/build-images.mjs --test`:
//   node scripts/bench.mjs [--quick] [--hot] [--stdio] [--rounds N] [--compare <other checkout>/bin/run.js]
// --hot: only the per-call figures (stdio and HTTP), not start-up. --stdio: only the raw echo stdio rows
// (the issue's stdio targets); every side runs at once and takes turns in 10 x N short blocks (N rounds:
// default 2, 3 with --stdio). --compare: another
// build of the gateway (an earlier commit, built in its own checkout) as one more side of those rounds:
// before and after from the same run, under the same load. Prints a table with the machine's load
// average at the start and the end; writes the raw numbers to .tmp/bench.json.
//
// What each baseline includes (so that it never hides the gateway's own cost):
// - "SDK fixture" rows: the MCP SDK's client <-> `docker run -i` of the fixture server (an SDK server) vs
//   the same client <-> the gateway <-> the same server in a container. Both sides pay the SDK server's
//   and the SDK client's per-call work, which is larger than the gateway's hop: these ratios look better
//   than the gateway is.
// - "raw echo" rows: the cheapest client and server there are: a JSON-RPC line client written here
//   (`rawStdioClient`, no SDK, no validation) and the fixture's raw echo server (FIXTURE_RAW_ECHO=1, no
//   SDK). Baseline: that client <-> `docker run -i` (the docker CLI relays stdio to the engine's attach,
//   as the gateway does); measured: the same client <-> the gateway <-> the same server. The ratios are
//   the gateway's own cost. "CPU per call" is the relaying process's CPU time (the docker CLI's for the
//   baseline, the gateway's), from /proc, over the same calls. Every gateway runs with its defaults
//   (secret blocking on, the per-call log line on); two more gateways turn one of them off each: the
//   differences are their costs per call (no other guard is on by default).
// - HTTP rows: the baseline is the SDK's Streamable HTTP (and SSE) client and server in this process,
//   no gateway, no container. The gateway's hop = its p50 minus that baseline's p50 minus the stdio p50
//   of the container behind it (SDK client <-> `docker run -i`). CPU per HTTP call is the gateway
//   process's CPU over the latency loop.
import {execFileSync, spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import os, {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {Client, SSEClientTransport, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'
import {McpServer} from '@modelcontextprotocol/server'
import {NodeStreamableHTTPServerTransport} from '@modelcontextprotocol/node'
import {SSEServerTransport} from '@modelcontextprotocol/server-legacy/sse'
import * as z from 'zod'

import {directFixtureArgs, echoRate, rawStdioClient as rawStdioClientOf} from './lib/bench-lib.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUN_JS = path.join(ROOT, 'bin/run.js')
const QUICK = process.argv.includes('--quick')
const STDIO = process.argv.includes('--stdio')
const HOT = STDIO || process.argv.includes('--hot')
const COMPARE = process.argv.includes('--compare')
  ? path.resolve(process.argv[process.argv.indexOf('--compare') + 1])
  : undefined
const ROUNDS = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || (STDIO ? 3 : 2)
const N_CALLS = QUICK ? 200 : 1000
/** Calls a side at 32 in flight in the sustained stdio figure (see rawStdioFigures). */
const SUSTAINED = QUICK ? 5000 : 20_000
const FIXTURE = `docker-mcp-fixture:${process.env.DOCKER_MCP_TEST_TAG || 'test'}`
const results = {}

const home = mkdtempSync(path.join(tmpdir(), 'docker-mcp-bench-'))
const env = {...process.env, HOME: home, DOCKER_CONFIG: path.join(home, '.docker'), NO_COLOR: '1'}
delete env.DOCKER_CLI_PLUGIN_SOCKET
mkdirSync(env.DOCKER_CONFIG, {recursive: true})
execFileSync('bash', [path.join(ROOT, 'scripts/install-plugin.sh')], {env, stdio: 'ignore'})

const servers = [
  'bench:\n    title: Bench\n    description: long-lived fixture\n    type: server\n    image: ' +
    FIXTURE +
    '\n    longLived: true\n',
  // The cheapest server there can be (no SDK, see the fixture's raw-echo.ts): the gateway's own cost shows.
  'raw:\n    title: Raw\n    description: long-lived raw echo\n    type: server\n    image: ' +
    FIXTURE +
    '\n    longLived: true\n    env:\n      - name: FIXTURE_RAW_ECHO\n        value: "1"\n',
]
for (let i = 0; i < 10; i++) {
  servers.push(
    `s${i}:\n    title: S${i}\n    description: fixture ${i}\n    type: server\n    image: ${FIXTURE}\n    prefix: s${i}\n`,
  )
}
// The same ten, with their tools declared in the catalog (as Docker's catalog does): listed before any start.
for (let i = 0; i < 10; i++) {
  servers.push(
    `d${i}:\n    title: D${i}\n    description: fixture ${i}, tools declared\n    type: server\n    image: ${FIXTURE}\n    prefix: d${i}\n    tools:\n      - name: echo\n        description: Return the text unchanged\n        arguments:\n          - name: text\n            type: string\n`,
  )
}
const catalog = path.join(home, 'bench.yaml')
writeFileSync(catalog, `version: 2\nname: bench\ndisplayName: Bench\nregistry:\n  ${servers.join('  ')}`)
const TEN = Array.from({length: 10}, (_, i) => `s${i}`).join(',')
const TEN_DECLARED = Array.from({length: 10}, (_, i) => `d${i}`).join(',')

// ---------------------------------------------------------------- helpers
const median = (xs) => percentile(xs, 50)
function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const us = (x) => `${x.toFixed(0)} µs`
const ms = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`
function log(line) {
  process.stderr.write(line + '\n')
}

function timeSpawn(command, args, runs, options = {}) {
  const times = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    execFileSync(command, args, {env, stdio: 'ignore', ...options})
    times.push(performance.now() - t)
  }
  return median(times)
}

async function stdioClient(command, args) {
  const transport = new StdioClientTransport({command, args, env, stderr: 'ignore'})
  const client = new Client({name: 'bench', version: '1'})
  await client.connect(transport)
  return {client, transport}
}

/** The fixture spoken to directly, as `docker run -i` (the baseline of every per-call figure). */
const directClient = (raw = false) => stdioClient('docker', directFixtureArgs(raw))

async function latency(client, tool, args, n) {
  const times = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await client.callTool({name: tool, arguments: args})
    times.push(performance.now() - t)
  }
  return {p50: percentile(times, 50), p99: percentile(times, 99)}
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/**
 * The cheapest MCP client: JSON-RPC lines written and read here, no SDK, no validation of results. As a
 * baseline it leaves nothing but the relay and the server to measure.
 */
const rawStdioClient = (command, args) => rawStdioClientOf(command, args, env)

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024
}

/**
 * `node bin/run.js gateway run …` with the bench catalog and no listing cache; everything else at its
 * default, the per-call log line included (its stderr goes to /dev/null: the cheapest reader there is).
 * Until session 13 this passed `--no-log-calls`, which hid a write per call (see the raw rows).
 */
const g = (extra) => [RUN_JS, 'gateway', 'run', '--catalog', catalog, '--no-cache', ...extra]

/** A client of `docker mcp gateway run --servers <servers>`, launched through the docker CLI, initialized. */
async function gatewayViaDocker(servers) {
  const transport = new StdioClientTransport({
    command: 'docker',
    args: ['mcp', ...g(['--servers', servers]).slice(1)],
    env,
    stderr: 'ignore',
  })
  const client = new Client({name: 'bench', version: '1'})
  await client.connect(transport)
  return client
}

results.loadAverage = {start: os.loadavg()}
try {
  if (!HOT) await startupFigures()
  await hotPathFigures()
} finally {
  rmSync(home, {recursive: true, force: true})
}
results.loadAverage.end = os.loadavg()

async function startupFigures() {
  // ------------------------------------------------------------ CLI start-up
  log('- CLI start-up')
  const nodeBare = timeSpawn(process.execPath, ['-e', '0'], 20)
  const metadata = timeSpawn(process.execPath, [RUN_JS, 'docker-cli-plugin-metadata'], 20)
  const versionViaDocker = timeSpawn('docker', ['mcp', 'version'], 10)
  const versionDirect = timeSpawn(process.execPath, [RUN_JS, 'version'], 10)
  results.startup = {nodeBare, metadata, metadataRatio: metadata / nodeBare, versionViaDocker, versionDirect}
  for (const cmd of [
    ['server', 'ls'],
    ['secret', 'ls'],
    ['catalog', 'ls'],
  ]) {
    try {
      results.startup[`docker mcp ${cmd.join(' ')}`] = timeSpawn('docker', ['mcp', ...cmd], 5)
    } catch {
      results.startup[`docker mcp ${cmd.join(' ')}`] = null
    }
  }

  // ------------------------------------------------------------ initialize, cold listing, memory
  log('- Gateway initialize and first listing (10 servers, no cache)')
  const initTimes = []
  const listTimes = []
  let rss10 = 0
  for (let i = 0; i < (QUICK ? 2 : 4); i++) {
    const t = performance.now()
    const client = await gatewayViaDocker(TEN)
    initTimes.push(performance.now() - t)
    const t2 = performance.now()
    await client.listTools()
    listTimes.push(performance.now() - t2 + initTimes.at(-1))
    await client.close()
  }
  // The same, with the tools declared in the catalog: the first listing needs no container.
  const declaredTimes = []
  for (let i = 0; i < (QUICK ? 2 : 4); i++) {
    const t = performance.now()
    const client = await gatewayViaDocker(TEN_DECLARED)
    await client.listTools()
    declaredTimes.push(performance.now() - t)
    await client.close()
    await new Promise((r) => setTimeout(r, 1000))
  }
  // Slowest single server cold start: docker run + initialize + tools/list, several times, the worst median.
  const cold = []
  for (let i = 0; i < 4; i++) {
    const t = performance.now()
    const {client} = await directClient()
    await client.listTools()
    cold.push(performance.now() - t)
    await client.close()
  }
  // The same ten cold starts with no gateway at all: ten `docker run -i` at once, each initialize + tools/list.
  // On a small machine the containers compete for the CPU; this is the floor for any gateway.
  const parallel = []
  for (let i = 0; i < 3; i++) {
    const t = performance.now()
    await Promise.all(
      Array.from({length: 10}, async () => {
        const {client} = await directClient()
        await client.listTools()
        void client.close()
      }),
    )
    parallel.push(performance.now() - t)
    await new Promise((r) => setTimeout(r, 1000))
  }
  {
    const {client, transport} = await stdioClient(process.execPath, g(['--servers', TEN]))
    await client.listTools()
    await new Promise((r) => setTimeout(r, 2000))
    rss10 = rssMiB(transport.pid)
    await client.close()
  }
  results.gatewayStart = {
    initializeViaDocker: median(initTimes),
    firstToolsList10: median(listTimes),
    singleColdStart: Math.max(...cold),
    ratio: median(listTimes) / Math.max(...cold),
    firstToolsList10Declared: median(declaredTimes),
    tenColdStartsNoGateway: median(parallel),
    ratioToTenNoGateway: median(listTimes) / median(parallel),
    rssIdle10MiB: rss10,
  }
}

async function hotPathFigures() {
  if (STDIO) return rawStdioFigures()
  // ------------------------------------------------------------ per-call latency, stdio
  log('- Per-call latency over stdio: direct docker run -i vs through the gateway')
  const direct = await directClient()
  await latency(direct.client, 'echo', {text: 'warm'}, 50)
  const directLat = await latency(direct.client, 'echo', {text: 'x'}, N_CALLS)
  const directTput = await echoRate(direct.client, N_CALLS * 2, 32)
  const mib = 'x'.repeat(1024 * 1024)
  const directBigArg = (await latency(direct.client, 'echo', {text: mib}, 40)).p50
  const directBigResult = (await latency(direct.client, 'huge', {mib: 1}, 40)).p50
  await direct.client.close()

  const viaGw = await stdioClient(process.execPath, g(['--servers', 'bench']))
  await latency(viaGw.client, 'echo', {text: 'warm'}, 50)
  const gwLat = await latency(viaGw.client, 'echo', {text: 'x'}, N_CALLS)
  const gwTput = await echoRate(viaGw.client, N_CALLS * 2, 32)
  const gwBigArg = (await latency(viaGw.client, 'echo', {text: mib}, 40)).p50
  const gwBigResult = (await latency(viaGw.client, 'huge', {mib: 1}, 40)).p50
  await viaGw.client.close()
  results.stdio = {
    direct: {...directLat, callsPerSec32: directTput, bigArg: directBigArg, bigResult: directBigResult},
    gateway: {...gwLat, callsPerSec32: gwTput, bigArg: gwBigArg, bigResult: gwBigResult},
    p50Ratio: gwLat.p50 / directLat.p50,
    p99Ratio: gwLat.p99 / directLat.p99,
    throughputShare: gwTput / directTput,
    bigArgRatio: gwBigArg / directBigArg,
    bigResultRatio: gwBigResult / directBigResult,
  }

  await rawStdioFigures()
  await httpFigures(directLat, directBigArg)
}

async function rawStdioFigures() {
  // ------------------------------------------------------------ the same, with the cheapest server
  // An SDK server spends more per call than the gateway's hop: behind it the gateway's cost looks smaller
  // than it is. Against a server that does nothing but answer, the ratios are the gateway's own.
  log(
    '- Per-call latency over stdio, raw echo server and minimal client (no SDK): docker run -i vs the gateway',
  )
  const rawDirectArgs = directFixtureArgs(true)
  const sides = [
    ['direct', 'docker', rawDirectArgs],
    // The floor for Node in the gateway's place: the same attach socket, bytes copied, nothing parsed.
    [
      'nodeRelay',
      process.execPath,
      [path.join(ROOT, 'scripts/lib/stdio-relay.mjs'), FIXTURE, 'FIXTURE_RAW_ECHO=1'],
    ],
    ['gateway', process.execPath, g(['--servers', 'raw'])],
    ['gatewayNoSecrets', process.execPath, g(['--servers', 'raw', '--block-secrets=false'])],
    ['gatewayNoLog', process.execPath, g(['--servers', 'raw', '--no-log-calls'])],
    ...(COMPARE ? [['compared', process.execPath, [COMPARE, ...g(['--servers', 'raw']).slice(1)]]] : []),
  ]
  // Every side runs at once and takes turns in short blocks (the order rotating): on a loaded machine the
  // drift of a minute lands on every side alike, which whole runs one after the other did not manage.
  const clients = {}
  for (const [side, command, args] of sides) clients[side] = await rawStdioClient(command, args)
  const acc = Object.fromEntries(
    sides.map(([side]) => [
      side,
      {lat: [], cpuSeq: 0, seq: 0, ms32: 0, n32: 0, cpu32: 0, big: [], bursts: []},
    ]),
  )
  const mib = 'x'.repeat(1024 * 1024)
  for (const [side] of sides) await latency(clients[side], 'echo', {text: 'warm'}, 100)
  const blocks = ROUNDS * 10
  const seqPerBlock = N_CALLS / 10
  for (let b = 0; b < blocks; b++) {
    const order = sides.map(([side]) => side)
    for (let k = 0; k < b % order.length; k++) order.push(order.shift())
    for (const side of order) {
      const client = clients[side]
      const a = acc[side]
      let cpu = cpuMs(client.pid)
      for (let i = 0; i < seqPerBlock; i++) {
        const t = performance.now()
        await client.callTool({name: 'echo', arguments: {text: 'x'}})
        a.lat.push(performance.now() - t)
      }
      let now = cpuMs(client.pid)
      a.cpuSeq += now - cpu
      a.seq += seqPerBlock
      cpu = now
      const t = performance.now()
      a.bursts.push(await echoRate(client, seqPerBlock * 2, 32))
      a.ms32 += performance.now() - t
      now = cpuMs(client.pid)
      a.cpu32 += now - cpu
      a.n32 += seqPerBlock * 2
      const tb = performance.now()
      await client.callTool({name: 'echo', arguments: {text: mib}})
      a.big.push(performance.now() - tb)
    }
  }
  // The blocks above are bursts of a few hundred calls between sequential ones. A gateway serving a busy
  // client works for longer at a stretch, where its garbage collection counts: each side also runs
  // SUSTAINED calls at 32 in flight, twice, the sides alternating.
  const sustained = Object.fromEntries(sides.map(([side]) => [side, {n: 0, ms: 0}]))
  for (let round = 0; round < 2; round++)
    for (const [side] of round ? [...sides].reverse() : sides) {
      const t = performance.now()
      await echoRate(clients[side], SUSTAINED, 32)
      sustained[side].ms += performance.now() - t
      sustained[side].n += SUSTAINED
    }
  const sustainedRate = (side) => sustained[side].n / (sustained[side].ms / 1000)
  for (const [side] of sides) await clients[side].close()
  const figures = (a) => ({
    p50: percentile(a.lat, 50),
    p99: percentile(a.lat, 99),
    callsPerSec32: a.n32 / (a.ms32 / 1000),
    bigArg: median(a.big),
    cpuUsPerCall: (a.cpuSeq * 1000) / a.seq,
    cpuUsPerCall32: (a.cpu32 * 1000) / a.n32,
  })
  const mid = (side) => figures(acc[side])
  // A burst lasts ~20 ms, so one stalled burst (a scheduler hiccup on a shared machine) moves the totals
  // above by tens of percent between runs. Each block's burst of a side is paired with docker run -i's of
  // the same block: the median of those ratios, with its quartiles, shows where a side sits and how far
  // the noise reaches.
  const pairedBursts = (side) => {
    const ratios = acc[side].bursts.map((rate, b) => rate / acc.direct.bursts[b]).sort((x, y) => x - y)
    return {median: percentile(ratios, 50), q1: percentile(ratios, 25), q3: percentile(ratios, 75)}
  }
  const rawDirect = mid('direct')
  const rawGw = mid('gateway')
  const rawGwOff = mid('gatewayNoSecrets')
  const rawGwNoLog = mid('gatewayNoLog')
  const rawRelay = mid('nodeRelay')
  results.stdioRaw = {
    blocks,
    direct: rawDirect,
    nodeRelay: rawRelay,
    relayP50Ratio: rawRelay.p50 / rawDirect.p50,
    relayThroughputShare: rawRelay.callsPerSec32 / rawDirect.callsPerSec32,
    relayBigArgRatio: rawRelay.bigArg / rawDirect.bigArg,
    gateway: rawGw,
    gatewayNoSecrets: rawGwOff,
    gatewayNoLog: rawGwNoLog,
    p50Ratio: rawGw.p50 / rawDirect.p50,
    throughputShare: rawGw.callsPerSec32 / rawDirect.callsPerSec32,
    burstRatios: Object.fromEntries(
      sides.filter(([side]) => side !== 'direct').map(([side]) => [side, pairedBursts(side)]),
    ),
    sustained: {
      calls: SUSTAINED,
      gateway: sustainedRate('gateway'),
      direct: sustainedRate('direct'),
      nodeRelay: sustainedRate('nodeRelay'),
      ...(COMPARE ? {compared: sustainedRate('compared')} : {}),
    },
    bigArgRatio: rawGw.bigArg / rawDirect.bigArg,
    cpuRatio: rawGw.cpuUsPerCall / rawDirect.cpuUsPerCall,
    cpuRatio32: rawGw.cpuUsPerCall32 / rawDirect.cpuUsPerCall32,
    // What secret blocking (the one guard on by default) costs per call: CPU and p50, on minus off.
    blockSecretsCpuUs: rawGw.cpuUsPerCall32 - rawGwOff.cpuUsPerCall32,
    blockSecretsP50Ms: rawGw.p50 - rawGwOff.p50,
    // What the per-call log line (on by default, as in Docker's gateway) costs: CPU and p50, on minus off.
    logCallsCpuUs: rawGw.cpuUsPerCall32 - rawGwNoLog.cpuUsPerCall32,
    logCallsCpuUsOneAtATime: rawGw.cpuUsPerCall - rawGwNoLog.cpuUsPerCall,
    logCallsP50Ms: rawGw.p50 - rawGwNoLog.p50,
  }
  if (COMPARE) results.stdioRaw.compared = {runJs: COMPARE, ...mid('compared')}
}

async function httpFigures(directLat, directBigArg) {
  const mib = 'x'.repeat(1024 * 1024)
  // ------------------------------------------------------------ HTTP hop
  log('- HTTP: SDK client and server with no gateway vs the gateway hop')
  const echoServer = () => {
    const s = new McpServer({name: 'baseline', version: '1'})
    s.registerTool('echo', {inputSchema: z.object({text: z.string()})}, async ({text}) => ({
      content: [{type: 'text', text}],
    }))
    return s
  }
  const baseSessions = new Map()
  const sseSessions = new Map()
  const baseline = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x')
    if (url.pathname === '/sse' && req.method === 'GET') {
      const t = new SSEServerTransport('/sse', res)
      sseSessions.set(t.sessionId, t)
      await echoServer().connect(t)
      return
    }
    if (url.pathname === '/sse')
      return sseSessions.get(url.searchParams.get('sessionId')).handlePostMessage(req, res)
    const sid = req.headers['mcp-session-id']
    if (sid) return baseSessions.get(sid).handleRequest(req, res)
    const t = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id) => baseSessions.set(id, t),
    })
    await echoServer().connect(t)
    return t.handleRequest(req, res)
  })
  await new Promise((r) => baseline.listen(0, '127.0.0.1', r))
  const basePort = baseline.address().port
  const httpClient = async (url, headers = {}, sse = false) => {
    const client = new Client({name: 'bench', version: '1'})
    const transport = sse
      ? new SSEClientTransport(new URL(url), {
          requestInit: {headers},
          eventSourceInit: {fetch: (u, i) => fetch(u, {...i, headers: {...i?.headers, ...headers}})},
        })
      : new StreamableHTTPClientTransport(new URL(url), {requestInit: {headers}})
    await client.connect(transport)
    return client
  }
  const baseStream = await httpClient(`http://127.0.0.1:${basePort}/mcp`)
  await latency(baseStream, 'echo', {text: 'warm'}, 50)
  const baseStreamLat = await latency(baseStream, 'echo', {text: 'x'}, N_CALLS)
  const baseStreamTput = await echoRate(baseStream, N_CALLS * 2, 32)
  const baseBig = (await latency(baseStream, 'echo', {text: mib}, 40)).p50
  await baseStream.close()
  const baseSse = await httpClient(`http://127.0.0.1:${basePort}/sse`, {}, true)
  await latency(baseSse, 'echo', {text: 'warm'}, 50)
  const baseSseLat = await latency(baseSse, 'echo', {text: 'x'}, N_CALLS)
  await baseSse.close()
  baseline.closeAllConnections()
  baseline.close()

  const port = 18000 + Math.floor(Math.random() * 2000)
  const token = 'bench-token'
  const gwProc = spawn(
    process.execPath,
    // 32 sessions of a long-lived server below hold 32 containers: above the default per-server cap (16).
    g([
      '--servers',
      'bench',
      '--transport',
      'streaming',
      '--port',
      String(port),
      '--max-containers-per-server',
      '40',
    ]),
    {
      env: {...env, MCP_GATEWAY_AUTH_TOKEN: token},
      stdio: 'ignore',
    },
  )
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`)
      .then((r) => r.ok)
      .catch(() => false)
    if (ok) break
    await new Promise((r) => setTimeout(r, 100))
  }
  const auth = {Authorization: `Bearer ${token}`}
  const rssHttpRest = rssMiB(gwProc.pid)
  const gwStream = await httpClient(`http://127.0.0.1:${port}/mcp`, auth)
  await latency(gwStream, 'echo', {text: 'warm'}, 50)
  const httpCpu0 = cpuMs(gwProc.pid)
  const gwStreamLat = await latency(gwStream, 'echo', {text: 'x'}, N_CALLS)
  const httpCpuPerCall = ((cpuMs(gwProc.pid) - httpCpu0) * 1000) / N_CALLS
  const gwStreamTput = await echoRate(gwStream, N_CALLS * 2, 32)
  const gwBig = (await latency(gwStream, 'echo', {text: mib}, 40)).p50
  await gwStream.close()
  const gwSse = await httpClient(`http://127.0.0.1:${port}/sse`, auth, true)
  await latency(gwSse, 'echo', {text: 'warm'}, 50)
  const gwSseLat = await latency(gwSse, 'echo', {text: 'x'}, N_CALLS)
  await gwSse.close()
  // 32 clients x 50 calls, then RSS.
  const clients = await Promise.all(
    Array.from({length: 32}, () => httpClient(`http://127.0.0.1:${port}/mcp`, auth)),
  )
  const t32 = performance.now()
  await Promise.all(
    clients.map(async (c) => {
      for (let j = 0; j < 50; j++) await c.callTool({name: 'echo', arguments: {text: 'x'}})
    }),
  )
  const load32 = performance.now() - t32
  await Promise.all(clients.map((c) => c.close()))
  const rssHttpAfter = rssMiB(gwProc.pid)
  gwProc.kill('SIGTERM')
  await new Promise((r) => gwProc.on('exit', r))

  // The gateway's own hop: what it adds beyond the HTTP transport (baseline) and the container's stdio (direct).
  results.http = {
    streamable: {
      noGateway: baseStreamLat,
      gateway: gwStreamLat,
      hopP50: gwStreamLat.p50 - baseStreamLat.p50 - directLat.p50,
      callsPerSec32NoGateway: baseStreamTput,
      callsPerSec32Gateway: gwStreamTput,
      throughputShare: gwStreamTput / baseStreamTput,
      bigArgNoGateway: baseBig,
      bigArgGateway: gwBig,
      bigArgRatio: gwBig / (baseBig + directBigArg),
    },
    sse: {noGateway: baseSseLat, gateway: gwSseLat, hopP50: gwSseLat.p50 - baseSseLat.p50 - directLat.p50},
    load32x50Ms: load32,
    rssRestMiB: rssHttpRest,
    rssAfterLoadMiB: rssHttpAfter,
    gatewayCpuUsPerCall: httpCpuPerCall,
  }
}

mkdirSync(path.join(ROOT, '.tmp'), {recursive: true})
writeFileSync(path.join(ROOT, '.tmp/bench.json'), JSON.stringify(results, null, 2))
const r = results
const startupRows = () => [
  [
    'metadata fast path / node -e 0',
    `${ms(r.startup.metadata)} / ${ms(r.startup.nodeBare)} = ${r.startup.metadataRatio.toFixed(2)}x`,
    '<= 1.5x',
  ],
  ['docker mcp version (via docker CLI)', ms(r.startup.versionViaDocker), ''],
  ...Object.entries(r.startup)
    .filter(([k]) => k.startsWith('docker mcp '))
    .map(([k, v]) => [`${k} (via docker CLI)`, v === null ? 'n/a' : ms(v), '< 500 ms']),
  ['gateway initialize via docker CLI, 10 servers', ms(r.gatewayStart.initializeViaDocker), '<= 300 ms'],
  [
    'first tools/list, 10 servers, no cache / slowest cold start',
    `${ms(r.gatewayStart.firstToolsList10)} / ${ms(r.gatewayStart.singleColdStart)} = ${r.gatewayStart.ratio.toFixed(2)}x`,
    '<= 1.5x',
  ],
  [
    'first tools/list, 10 servers, no cache / 10 docker run -i at once, no gateway',
    `${ms(r.gatewayStart.firstToolsList10)} / ${ms(r.gatewayStart.tenColdStartsNoGateway)} = ${r.gatewayStart.ratioToTenNoGateway.toFixed(2)}x`,
    '',
  ],
  [
    'first tools/list, 10 servers, tools declared in the catalog, no cache / slowest cold start',
    `${ms(r.gatewayStart.firstToolsList10Declared)} / ${ms(r.gatewayStart.singleColdStart)} = ${(r.gatewayStart.firstToolsList10Declared / r.gatewayStart.singleColdStart).toFixed(2)}x`,
    '<= 1.5x',
  ],
  ['gateway RSS, 10 servers idle', `${r.gatewayStart.rssIdle10MiB.toFixed(0)} MiB`, '<= 100 MiB'],
]
const sdkStdioRows = () => [
  [
    'stdio p50: gateway / direct',
    `${ms(r.stdio.gateway.p50)} / ${ms(r.stdio.direct.p50)} = ${r.stdio.p50Ratio.toFixed(2)}x`,
    '<= 1.5x',
  ],
  [
    'stdio p99: gateway / direct',
    `${ms(r.stdio.gateway.p99)} / ${ms(r.stdio.direct.p99)} = ${r.stdio.p99Ratio.toFixed(2)}x`,
    '<= 2x',
  ],
  [
    'stdio calls/s, 32 in flight: gateway / direct',
    `${r.stdio.gateway.callsPerSec32.toFixed(0)} / ${r.stdio.direct.callsPerSec32.toFixed(0)} = ${(100 * r.stdio.throughputShare).toFixed(0)}%`,
    '>= 50%',
  ],
  [
    '1 MiB argument: gateway / direct',
    `${ms(r.stdio.gateway.bigArg)} / ${ms(r.stdio.direct.bigArg)} = ${r.stdio.bigArgRatio.toFixed(2)}x`,
    '<= 1.5x',
  ],
  [
    '1 MiB result: gateway / direct',
    `${ms(r.stdio.gateway.bigResult)} / ${ms(r.stdio.direct.bigResult)} = ${r.stdio.bigResultRatio.toFixed(2)}x`,
    '<= 1.5x',
  ],
]
/** A paired-ratio summary as `97% (88-104%)`. */
const pct = ({median, q1, q3}) =>
  `${(100 * median).toFixed(0)}% (${(100 * q1).toFixed(0)}-${(100 * q3).toFixed(0)}%)`
const rawStdioRows = () => [
  [
    'raw echo, minimal client, stdio p50: gateway / docker run -i',
    `${ms(r.stdioRaw.gateway.p50)} / ${ms(r.stdioRaw.direct.p50)} = ${r.stdioRaw.p50Ratio.toFixed(2)}x`,
    '<= 1.2x',
  ],
  [
    'raw echo, minimal client, calls/s, 32 in flight: gateway / docker run -i',
    `${r.stdioRaw.gateway.callsPerSec32.toFixed(0)} / ${r.stdioRaw.direct.callsPerSec32.toFixed(0)} = ${(100 * r.stdioRaw.throughputShare).toFixed(0)}%`,
    '>= 100%',
  ],
  [
    `the same, block by block: median of ${r.stdioRaw.blocks} paired ratios (quartiles), gateway; node relay`,
    `${pct(r.stdioRaw.burstRatios.gateway)}; ${pct(r.stdioRaw.burstRatios.nodeRelay)}`,
    '>= 100%',
  ],
  [
    `the same, sustained (${r.stdioRaw.sustained.calls} calls a side, twice): gateway / docker run -i${r.stdioRaw.sustained.compared ? ' (--compare build)' : ''}`,
    `${r.stdioRaw.sustained.gateway.toFixed(0)} / ${r.stdioRaw.sustained.direct.toFixed(0)} = ${((100 * r.stdioRaw.sustained.gateway) / r.stdioRaw.sustained.direct).toFixed(0)}%${r.stdioRaw.sustained.compared ? ` (${((100 * r.stdioRaw.sustained.compared) / r.stdioRaw.sustained.direct).toFixed(0)}%)` : ''}; node relay ${((100 * r.stdioRaw.sustained.nodeRelay) / r.stdioRaw.sustained.direct).toFixed(0)}%`,
    '>= 100%',
  ],
  [
    'raw echo, minimal client, 1 MiB argument: gateway / docker run -i',
    `${ms(r.stdioRaw.gateway.bigArg)} / ${ms(r.stdioRaw.direct.bigArg)} = ${r.stdioRaw.bigArgRatio.toFixed(2)}x`,
    '<= 1.2x',
  ],
  [
    'raw echo, CPU per call, one at a time: gateway / docker CLI',
    `${us(r.stdioRaw.gateway.cpuUsPerCall)} / ${us(r.stdioRaw.direct.cpuUsPerCall)} = ${r.stdioRaw.cpuRatio.toFixed(2)}x`,
    '',
  ],
  [
    'raw echo, CPU per call, 32 in flight: gateway / docker CLI',
    `${us(r.stdioRaw.gateway.cpuUsPerCall32)} / ${us(r.stdioRaw.direct.cpuUsPerCall32)} = ${r.stdioRaw.cpuRatio32.toFixed(2)}x`,
    '',
  ],
  [
    'secret blocking (default guard) per call: CPU (32 in flight), p50',
    `${us(r.stdioRaw.blockSecretsCpuUs)}, ${ms(r.stdioRaw.blockSecretsP50Ms)} (on - off)`,
    '',
  ],
  [
    'call logging (default) per call: CPU one at a time / 32 in flight, p50',
    `${us(r.stdioRaw.logCallsCpuUsOneAtATime)} / ${us(r.stdioRaw.logCallsCpuUs)}, ${ms(r.stdioRaw.logCallsP50Ms)} (on - off)`,
    '',
  ],
  [
    'raw echo, --no-log-calls: p50 / calls/s 32 in flight, ratio to docker run -i',
    `${(r.stdioRaw.gatewayNoLog.p50 / r.stdioRaw.direct.p50).toFixed(2)}x / ${((100 * r.stdioRaw.gatewayNoLog.callsPerSec32) / r.stdioRaw.direct.callsPerSec32).toFixed(0)}%`,
    '',
  ],
  [
    'raw echo, --block-secrets=false: p50 / calls/s 32 in flight, ratio to docker run -i',
    `${(r.stdioRaw.gatewayNoSecrets.p50 / r.stdioRaw.direct.p50).toFixed(2)}x / ${((100 * r.stdioRaw.gatewayNoSecrets.callsPerSec32) / r.stdioRaw.direct.callsPerSec32).toFixed(0)}%`,
    '',
  ],
  [
    'raw echo, node relay (attach socket, bytes copied, nothing parsed) / docker run -i: p50, 32 in flight, 1 MiB',
    `${r.stdioRaw.relayP50Ratio.toFixed(2)}x, ${(100 * r.stdioRaw.relayThroughputShare).toFixed(0)}%, ${r.stdioRaw.relayBigArgRatio.toFixed(2)}x`,
    'the floor for Node',
  ],
  [
    'raw echo, CPU per call, 32 in flight: node relay / docker CLI',
    `${us(r.stdioRaw.nodeRelay.cpuUsPerCall32)} / ${us(r.stdioRaw.direct.cpuUsPerCall32)}`,
    '',
  ],
  ...(r.stdioRaw.compared ? comparedRows(r.stdioRaw) : []),
]
/** --compare: the other build's figures and this one's, both as ratios to docker run -i of the same run. */
const comparedRows = (raw) => {
  const c = raw.compared
  const d = raw.direct
  return [
    [
      '--compare build, p50 / 32 in flight / 1 MiB, ratio to docker run -i',
      `${(c.p50 / d.p50).toFixed(2)}x / ${((100 * c.callsPerSec32) / d.callsPerSec32).toFixed(0)}% / ${(c.bigArg / d.bigArg).toFixed(2)}x`,
      'before',
    ],
    [
      '--compare build, CPU per call one at a time / 32 in flight',
      `${us(c.cpuUsPerCall)} / ${us(c.cpuUsPerCall32)}`,
      'before',
    ],
  ]
}
const httpRows = () => [
  [
    'Streamable HTTP p50: gateway / no gateway',
    `${ms(r.http.streamable.gateway.p50)} / ${ms(r.http.streamable.noGateway.p50)}`,
    '',
  ],
  [
    'Streamable HTTP: gateway hop p50 (minus transport and container stdio)',
    ms(r.http.streamable.hopP50),
    '<= 0.2 ms',
  ],
  ['SSE: gateway hop p50', ms(r.http.sse.hopP50), "<= 0.4 ms (supergateway's)"],
  [
    'Streamable HTTP calls/s, 32 in flight: gateway / no gateway',
    `${r.http.streamable.callsPerSec32Gateway.toFixed(0)} / ${r.http.streamable.callsPerSec32NoGateway.toFixed(0)} = ${(100 * r.http.streamable.throughputShare).toFixed(0)}%`,
    '>= 80%',
  ],
  [
    '1 MiB request over HTTP: gateway / (no gateway + stdio)',
    `${ms(r.http.streamable.bigArgGateway)} = ${r.http.streamable.bigArgRatio.toFixed(2)}x`,
    '<= 1.5x',
  ],
  ['gateway CPU per Streamable HTTP call (one at a time)', us(r.http.gatewayCpuUsPerCall), ''],
  ['32 clients x 50 calls (HTTP)', ms(r.http.load32x50Ms), ''],
  [
    'gateway RSS (HTTP) at rest / after 32x50',
    `${r.http.rssRestMiB.toFixed(0)} / ${r.http.rssAfterLoadMiB.toFixed(0)} MiB`,
    '',
  ],
]
const rows = [
  ...(HOT ? [] : startupRows()),
  ...(STDIO ? [] : sdkStdioRows()),
  ...rawStdioRows(),
  ...(STDIO ? [] : httpRows()),
]
const w = Math.max(...rows.map((x) => x[0].length))
const load = (l) => l.map((x) => x.toFixed(1)).join(' ')
console.log(
  `load average at start: ${load(r.loadAverage.start)}, at end: ${load(r.loadAverage.end)} (${os.cpus().length} CPUs)`,
)
console.log(`${'measure'.padEnd(w)}  ${'result'.padEnd(44)}  target`)
for (const [a, b, c] of rows) console.log(`${a.padEnd(w)}  ${b.padEnd(44)}  ${c}`)
process.exit(0)
