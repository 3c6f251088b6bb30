#!/usr/bin/env node
// Benchmarks for docker-mcp. Every figure is reported next to a baseline measured in the same run, so
// the ratios mean something on any machine. Run after `npm run build` and `node scripts/build-images.mjs --test`:
//   node scripts/bench.mjs [--quick]
// Prints a table; writes the raw numbers to .tmp/bench.json.
import {spawn} from 'node:child_process'
import http from 'node:http'

import {Client, SSEClientTransport, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'
import {McpServer} from '@modelcontextprotocol/server'
import {NodeStreamableHTTPServerTransport} from '@modelcontextprotocol/node'
import {SSEServerTransport} from '@modelcontextprotocol/server-legacy/sse'
import * as z from 'zod'

import {
  benchHome,
  FIXTURE,
  fixtureEntry,
  load1,
  log,
  median,
  ms,
  percentile,
  rssMiB,
  RUN_JS,
  timeSpawn as timeSpawnIn,
  writeCatalog,
  writeResults,
} from './lib/bench-lib.mjs'

const QUICK = process.argv.includes('--quick')
const N_CALLS = QUICK ? 200 : 1000
const results = {loadStart: load1()}

const {home, env, cleanup} = benchHome('bench', {installPlugin: true})
const timeSpawn = (command, args, runs) => timeSpawnIn(command, args, runs, {env})

const servers = [
  fixtureEntry('bench', {longLived: true}),
  // The cheapest server there can be (no SDK, see the fixture's raw-echo.ts): the gateway's own cost shows.
  fixtureEntry('raw', {longLived: true, raw: true}),
  ...Array.from({length: 10}, (_, i) => fixtureEntry(`s${i}`, {prefix: `s${i}`})),
  // The same ten, with their tools declared in the catalog (as Docker's catalog does): listed before any start.
  ...Array.from({length: 10}, (_, i) => fixtureEntry(`d${i}`, {prefix: `d${i}`, declared: true})),
]
const catalog = writeCatalog(home, servers)
const TEN = Array.from({length: 10}, (_, i) => `s${i}`).join(',')
const TEN_DECLARED = Array.from({length: 10}, (_, i) => `d${i}`).join(',')

// ---------------------------------------------------------------- helpers

async function stdioClient(command, args) {
  const transport = new StdioClientTransport({command, args, env, stderr: 'ignore'})
  const client = new Client({name: 'bench', version: '1'})
  await client.connect(transport)
  return {client, transport}
}

/** The fixture spoken to directly, as `docker run -i` (the baseline of every per-call figure). */
const directClient = (raw = false) =>
  stdioClient('docker', [
    'run',
    '-i',
    '--rm',
    '--init',
    '--network',
    'none',
    ...(raw ? ['-e', 'FIXTURE_RAW_ECHO=1'] : []),
    FIXTURE,
  ])

async function latency(client, tool, args, n) {
  const times = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await client.callTool({name: tool, arguments: args})
    times.push(performance.now() - t)
  }
  return {p50: percentile(times, 50), p99: percentile(times, 99)}
}

async function throughput(client, tool, total, inFlight) {
  let next = 0
  const t = performance.now()
  await Promise.all(
    Array.from({length: inFlight}, async () => {
      while (next < total) {
        next++
        await client.callTool({name: tool, arguments: {text: 'x'}})
      }
    }),
  )
  return total / ((performance.now() - t) / 1000)
}

/** `node bin/run.js gateway run …` with the bench catalog, no listing cache and no per-call logging. */
const g = (extra) => [
  RUN_JS,
  'gateway',
  'run',
  '--catalog',
  catalog,
  '--no-cache',
  '--no-log-calls',
  ...extra,
]

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

try {
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

  // ------------------------------------------------------------ per-call latency, stdio
  log('- Per-call latency over stdio: direct docker run -i vs through the gateway')
  const direct = await directClient()
  await latency(direct.client, 'echo', {text: 'warm'}, 50)
  const directLat = await latency(direct.client, 'echo', {text: 'x'}, N_CALLS)
  const directTput = await throughput(direct.client, 'echo', N_CALLS * 2, 32)
  const mib = 'x'.repeat(1024 * 1024)
  const directBigArg = (await latency(direct.client, 'echo', {text: mib}, 40)).p50
  const directBigResult = (await latency(direct.client, 'huge', {mib: 1}, 40)).p50
  await direct.client.close()

  const viaGw = await stdioClient(process.execPath, g(['--servers', 'bench']))
  await latency(viaGw.client, 'echo', {text: 'warm'}, 50)
  const gwLat = await latency(viaGw.client, 'echo', {text: 'x'}, N_CALLS)
  const gwTput = await throughput(viaGw.client, 'echo', N_CALLS * 2, 32)
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

  // ------------------------------------------------------------ the same, with the cheapest server
  // An SDK server spends more per call than the gateway's hop: behind it the gateway's cost looks smaller
  // than it is. Against a server that does nothing but answer, the ratios are the gateway's own.
  log('- Per-call latency over stdio, raw echo server (no SDK): direct docker run -i vs the gateway')
  const rawDirect = await directClient(true)
  await latency(rawDirect.client, 'echo', {text: 'warm'}, 50)
  const rawDirectLat = await latency(rawDirect.client, 'echo', {text: 'x'}, N_CALLS)
  const rawDirectTput = await throughput(rawDirect.client, 'echo', N_CALLS * 2, 32)
  const rawDirectBig = (await latency(rawDirect.client, 'echo', {text: mib}, 40)).p50
  await rawDirect.client.close()
  const rawGw = await stdioClient(process.execPath, g(['--servers', 'raw']))
  await latency(rawGw.client, 'echo', {text: 'warm'}, 50)
  const rawGwLat = await latency(rawGw.client, 'echo', {text: 'x'}, N_CALLS)
  const rawGwTput = await throughput(rawGw.client, 'echo', N_CALLS * 2, 32)
  const rawGwBig = (await latency(rawGw.client, 'echo', {text: mib}, 40)).p50
  await rawGw.client.close()
  results.stdioRaw = {
    direct: {...rawDirectLat, callsPerSec32: rawDirectTput, bigArg: rawDirectBig},
    gateway: {...rawGwLat, callsPerSec32: rawGwTput, bigArg: rawGwBig},
    p50Ratio: rawGwLat.p50 / rawDirectLat.p50,
    throughputShare: rawGwTput / rawDirectTput,
    bigArgRatio: rawGwBig / rawDirectBig,
  }

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
  const baseStreamTput = await throughput(baseStream, 'echo', N_CALLS * 2, 32)
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
  const gwStreamLat = await latency(gwStream, 'echo', {text: 'x'}, N_CALLS)
  const gwStreamTput = await throughput(gwStream, 'echo', N_CALLS * 2, 32)
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
  }
} finally {
  cleanup()
}
results.loadEnd = load1()
writeResults('bench', results)
const r = results
const rows = [
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
  [
    'raw echo server, stdio p50: gateway / direct',
    `${ms(r.stdioRaw.gateway.p50)} / ${ms(r.stdioRaw.direct.p50)} = ${r.stdioRaw.p50Ratio.toFixed(2)}x`,
    '<= 1.2x',
  ],
  [
    'raw echo server, stdio calls/s, 32 in flight: gateway / direct',
    `${r.stdioRaw.gateway.callsPerSec32.toFixed(0)} / ${r.stdioRaw.direct.callsPerSec32.toFixed(0)} = ${(100 * r.stdioRaw.throughputShare).toFixed(0)}%`,
    '>= 100%',
  ],
  [
    'raw echo server, 1 MiB argument: gateway / direct',
    `${ms(r.stdioRaw.gateway.bigArg)} / ${ms(r.stdioRaw.direct.bigArg)} = ${r.stdioRaw.bigArgRatio.toFixed(2)}x`,
    '<= 1.2x',
  ],
  [
    'Streamable HTTP p50: gateway / no gateway',
    `${ms(r.http.streamable.gateway.p50)} / ${ms(r.http.streamable.noGateway.p50)}`,
    '',
  ],
  [
    'Streamable HTTP: gateway hop p50 (minus transport and container stdio)',
    ms(r.http.streamable.hopP50),
    '<= 0.3 ms',
  ],
  ['SSE: gateway hop p50', ms(r.http.sse.hopP50), '<= 0.3 ms'],
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
  ['32 clients x 50 calls (HTTP)', ms(r.http.load32x50Ms), ''],
  ['load average (1 min) at start / end', `${r.loadStart} / ${r.loadEnd}`, ''],
  [
    'gateway RSS (HTTP) at rest / after 32x50',
    `${r.http.rssRestMiB.toFixed(0)} / ${r.http.rssAfterLoadMiB.toFixed(0)} MiB`,
    '',
  ],
]
const w = Math.max(...rows.map((x) => x[0].length))
console.log(`${'measure'.padEnd(w)}  ${'result'.padEnd(44)}  target`)
for (const [a, b, c] of rows) console.log(`${a.padEnd(w)}  ${b.padEnd(44)}  ${c}`)
process.exit(0)
