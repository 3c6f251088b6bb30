#!/usr/bin/env node
// The Streamable HTTP and SSE hop (issue #21): what the gateway adds to a tool call over HTTP, against
// baselines measured in the same run, interleaved in rounds (a loaded machine's drift lands on every side):
//   node scripts/bench-http.mjs [--quick] [--rounds N] [--calls N] [--cpu-prof DIR]
// Targets, each its own process, all alive for the whole run, one SDK client each (this process):
// - direct: the container's stdio hop: a JSON-RPC line client (no SDK) <-> `docker run -i` of the fixture's
//   raw echo server (FIXTURE_RAW_ECHO=1, no SDK);
// - sdk: the SDK's own Streamable HTTP (2025 session) and SSE server transports, echo tool, no gateway, no
//   container (scripts/lib/sdk-http-echo.mjs);
// - gateway: `gateway run --transport streaming` in front of the same raw echo container, guards at their
//   defaults (secret blocking, call logging); `gateway-nolog`: --no-log-calls; `gateway-bare`: --no-log-calls
//   --block-secrets=false (the differences are each guard's cost per call);
// - mcp-proxy / supergateway in front of the same container (`docker run -i`), when installed: set
//   BENCH_THIRD_PARTY to a node_modules holding mcp-proxy@6.7.19 and supergateway@4.0.0
//   (default .tmp/bench-third-party/node_modules: `npm install --prefix .tmp/bench-third-party --no-save
//   mcp-proxy@6.7.19 supergateway@4.0.0`; not .tmp/third-party, where such an install prunes the tests' mcp-remote).
// - before: BENCH_BEFORE_ROOT=<a checkout with its own dist/> adds that build of the gateway as one more target,
//   interleaved with the rest (a before/after comparison from one run).
// The gateway's own hop = its p50 - the SDK transport's p50 (no gateway) - the container's stdio p50.
// CPU per call = the serving process's CPU time over the latency loop (mcp-proxy's: with and without its
// docker CLI child, which relays the container's stdio as the gateway does itself).
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {Client, SSEClientTransport, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {
  benchHome,
  cpuMs,
  directFixtureArgs,
  echoRate,
  echoTimes,
  fixtureEntry,
  freePort,
  httpGateway,
  load1,
  log,
  median,
  percentile,
  printTable,
  rawStdioClient as rawStdioClientOf,
  ROOT,
  sleep,
  writeCatalog,
  writeResults,
} from './lib/bench-lib.mjs'

const arg = (name, dflt) => {
  const at = process.argv.indexOf(name)
  return at > 0 ? process.argv[at + 1] : dflt
}
const QUICK = process.argv.includes('--quick')
const ROUNDS = Number(arg('--rounds', QUICK ? 2 : 4))
const CALLS = Number(arg('--calls', QUICK ? 200 : 500))
const PROF = arg('--cpu-prof', undefined)
/** --only a,b: measure these targets only (the rest are not started), e.g. `--only gateway --cpu-prof .tmp/prof`. */
const ONLY = arg('--only', undefined)?.split(',')
const want = (name) => !ONLY || ONLY.some((o) => [o, `${o}-sse`, `${o}-2026`].includes(name))
const THIRD = process.env.BENCH_THIRD_PARTY || path.join(ROOT, '.tmp/bench-third-party/node_modules')
const bin = (name) => {
  const file = path.join(THIRD, '.bin', name)
  return existsSync(file) ? file : undefined
}
const rawDocker = directFixtureArgs(true)

const loadStart = load1()
const {home, env, cleanup} = benchHome('bench-http')
const catalog = writeCatalog(home, [fixtureEntry('raw', {longLived: true, raw: true})])
const procs = []
const stopAll = async () => {
  for (const p of procs) {
    if (p.exitCode === null) {
      p.kill('SIGTERM')
      await new Promise((r) => p.once('exit', r))
    }
  }
}

// ---------------------------------------------------------------- clients
const rawStdioClient = (command, args) =>
  rawStdioClientOf(command, args, env, {onSpawn: (child) => procs.push(child)})

async function httpClient(url, {headers = {}, sse = false, modern = false} = {}) {
  const client = new Client(
    {name: 'bench', version: '1'},
    modern ? {versionNegotiation: {mode: {pin: '2026-07-28'}}} : undefined,
  )
  const transport = sse
    ? new SSEClientTransport(new URL(url), {
        requestInit: {headers},
        eventSourceInit: {fetch: (u, i) => fetch(u, {...i, headers: {...i?.headers, ...headers}})},
      })
    : new StreamableHTTPClientTransport(new URL(url), {requestInit: {headers}})
  await client.connect(transport)
  return client
}

/** A child serving HTTP on `port`, waited for until it answers `probe`. */
async function serve(command, args, port, probe) {
  const child = spawn(command, args, {env, stdio: ['ignore', 'ignore', 'ignore']})
  procs.push(child)
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}${probe}`, {signal: AbortSignal.timeout(500)})
      .then((r) => (r.body?.cancel(), true))
      .catch(() => false)
    if (ok) return child
    if (child.exitCode !== null) throw new Error(`${command} exited (${child.exitCode})`)
    await sleep(100)
  }
  throw new Error(`${command} did not start`)
}

/** CPU of a process and its children (the docker CLI under mcp-proxy), in ms. */
function treeCpuMs(pid) {
  let total = cpuMs(pid)
  try {
    for (const child of readChildren(pid)) total += treeCpuMs(child)
  } catch {
    // gone
  }
  return total
}
function readChildren(pid) {
  const kids = []
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
    if (text) kids.push(...text.split(' ').map(Number))
  }
  return kids
}

// ---------------------------------------------------------------- targets
const targets = []
log(`- bench-http: ${ROUNDS} rounds x ${CALLS} calls per target (load ${loadStart})`)
const direct = await rawStdioClient('docker', rawDocker)
targets.push({name: 'direct', client: direct, kind: 'stdio'})

const sdkPort = await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/lib/sdk-http-echo.mjs')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  procs.push(child)
  child.stdout.once('data', (d) => resolve(Number(String(d).trim())))
  child.once('exit', (code) => reject(new Error(`sdk-http-echo exited ${code}`)))
})
const sdkPid = procs.at(-1).pid
targets.push({name: 'sdk', client: await httpClient(`http://127.0.0.1:${sdkPort}/mcp`), pid: sdkPid})
targets.push({
  name: 'sdk-sse',
  client: await httpClient(`http://127.0.0.1:${sdkPort}/sse`, {sse: true}),
  pid: sdkPid,
})

const gatewayArgs = ['--catalog', catalog, '--servers', 'raw', '--no-cache']
const variants = [
  ['gateway', []],
  ['gateway-nolog', ['--no-log-calls']],
  ['gateway-bare', ['--no-log-calls', '--block-secrets=false']],
]
// BENCH_BEFORE_ROOT: another build of the gateway (a checkout with its dist/), measured in the same rounds.
const BEFORE = process.env.BENCH_BEFORE_ROOT
if (BEFORE) variants.push(['before', [], path.join(BEFORE, 'bin/run.js')])
const gateways = {}
for (const [name, extra, runJs] of variants) {
  if (!want(name)) continue
  const nodeArgs = PROF && name === 'gateway' ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : []
  const gw = await httpGateway(env, [...gatewayArgs, ...extra], {nodeArgs, runJs})
  procs.push(gw.proc)
  gateways[name] = gw
  const url = `http://127.0.0.1:${gw.port}`
  targets.push({name, client: await httpClient(`${url}/mcp`, {headers: gw.auth}), pid: gw.pid})
  if (name === 'gateway' || name === 'gateway-bare' || name === 'before') {
    targets.push({
      name: `${name}-sse`,
      client: await httpClient(`${url}/sse`, {headers: gw.auth, sse: true}),
      pid: gw.pid,
    })
    targets.push({
      name: `${name}-2026`,
      client: await httpClient(`${url}/mcp`, {headers: gw.auth, modern: true}),
      pid: gw.pid,
    })
  }
}

const mcpProxy = bin('mcp-proxy')
if (mcpProxy && want('mcp-proxy')) {
  const port = await freePort()
  const child = await serve(
    mcpProxy,
    ['--port', String(port), '--host', '127.0.0.1', '--server', 'stream', '--', 'docker', ...rawDocker],
    port,
    '/ping',
  )
  targets.push({
    name: 'mcp-proxy',
    client: await httpClient(`http://127.0.0.1:${port}/mcp`),
    pid: child.pid,
    tree: true,
  })
} else log(`  (no mcp-proxy in ${THIRD}: its rows are skipped)`)
const superGw = bin('supergateway')
if (superGw && want('supergateway')) {
  const port = await freePort()
  const child = await serve(
    superGw,
    ['--stdio', `docker ${rawDocker.join(' ')}`, '--port', String(port), '--logLevel', 'none'],
    port,
    '/nothing',
  )
  targets.push({
    name: 'supergateway-sse',
    client: await httpClient(`http://127.0.0.1:${port}/sse`, {sse: true}),
    pid: child.pid,
    tree: true,
  })
} else log(`  (no supergateway in ${THIRD}: its rows are skipped)`)

// ---------------------------------------------------------------- rounds
// direct and sdk are always measured: every hop is reckoned from them.
for (let i = targets.length - 1; i >= 0; i--)
  if (!want(targets[i].name) && !/^(direct|sdk)/.test(targets[i].name)) targets.splice(i, 1)
const runs = Object.fromEntries(targets.map((t) => [t.name, []]))
for (const t of targets) await echoTimes(t.client, 100) // warm-up
for (let round = 0; round < ROUNDS; round++) {
  const load = load1()
  for (const t of targets) {
    const own0 = t.pid ? cpuMs(t.pid) : 0
    const tree0 = t.tree ? treeCpuMs(t.pid) : own0
    const times = await echoTimes(t.client, CALLS)
    const own1 = t.pid ? cpuMs(t.pid) : 0
    const tree1 = t.tree ? treeCpuMs(t.pid) : own1
    const sse = t.name.includes('sse')
    // 2026-07-28 requests share one stateless session: 32 at once would start up to the per-server cap of
    // long-lived containers, which is the pool's figure, not the hop's (bench-scale.mjs measures that load).
    const tput =
      t.kind === 'stdio' || sse || t.name.endsWith('2026')
        ? undefined
        : await echoRate(t.client, CALLS * 2, 32)
    runs[t.name].push({
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      cpuUsPerCall: t.pid ? ((own1 - own0) * 1000) / CALLS : undefined,
      treeCpuUsPerCall: t.tree ? ((tree1 - tree0) * 1000) / CALLS : undefined,
      callsPerSec32: tput,
      load,
    })
  }
  log(`  round ${round + 1}/${ROUNDS} done (load ${load1()})`)
}
for (const t of targets) await t.client.close?.().catch(() => {})
await stopAll()
cleanup()

// ---------------------------------------------------------------- figures
const mid = (name, key) => {
  const xs = (runs[name] ?? []).map((r) => r[key]).filter((v) => Number.isFinite(v))
  return xs.length ? median(xs) : NaN
}
const p50 = (name) => mid(name, 'p50')
const hop = (name, base) => p50(name) - p50(base) - p50('direct')
const results = {
  rounds: ROUNDS,
  calls: CALLS,
  loadStart,
  loadEnd: load1(),
  runs,
  streamable: {
    hopMs: hop('gateway', 'sdk'),
    beforeHopMs: hop('before', 'sdk'),
    cpuVsBefore: mid('gateway', 'cpuUsPerCall') / mid('before', 'cpuUsPerCall'),
    hopBareMs: hop('gateway-bare', 'sdk'),
    mcpProxyHopMs: hop('mcp-proxy', 'sdk'),
    throughputShare: mid('gateway', 'callsPerSec32') / mid('sdk', 'callsPerSec32'),
    cpuVsMcpProxy: mid('gateway', 'cpuUsPerCall') / mid('mcp-proxy', 'cpuUsPerCall'),
    cpuVsMcpProxyTree: mid('gateway', 'cpuUsPerCall') / mid('mcp-proxy', 'treeCpuUsPerCall'),
  },
  sse: {
    hopMs: hop('gateway-sse', 'sdk-sse'),
    beforeHopMs: hop('before-sse', 'sdk-sse'),
    supergatewayHopMs: hop('supergateway-sse', 'sdk-sse'),
  },
  modern: {
    cpuVsBefore: mid('gateway-2026', 'cpuUsPerCall') / mid('before-2026', 'cpuUsPerCall'),
    cpuVs2025: mid('gateway-2026', 'cpuUsPerCall') / mid('gateway', 'cpuUsPerCall'),
  },
  guards: {
    logCallsUs: 1000 * (p50('gateway') - p50('gateway-nolog')),
    logCallsCpuUs: mid('gateway', 'cpuUsPerCall') - mid('gateway-nolog', 'cpuUsPerCall'),
    blockSecretsUs: 1000 * (p50('gateway-nolog') - p50('gateway-bare')),
    blockSecretsCpuUs: mid('gateway-nolog', 'cpuUsPerCall') - mid('gateway-bare', 'cpuUsPerCall'),
  },
}
writeResults('bench-http', results)
const ms3 = (x) => (Number.isFinite(x) ? `${x.toFixed(3)} ms` : 'n/a')
const us = (x) => (Number.isFinite(x) ? `${x.toFixed(0)} µs` : 'n/a')
const rows = targets.map((t) => [
  `${t.name}: p50 / p99 / CPU per call / 32 in flight`,
  `${ms3(p50(t.name))} / ${ms3(mid(t.name, 'p99'))} / ${us(mid(t.name, 'cpuUsPerCall'))}${
    t.tree ? ` (+docker CLI ${us(mid(t.name, 'treeCpuUsPerCall'))})` : ''
  } / ${Number.isFinite(mid(t.name, 'callsPerSec32')) ? `${mid(t.name, 'callsPerSec32').toFixed(0)}/s` : '-'}`,
  '',
])
const s = results.streamable
rows.push(
  ['Streamable HTTP: gateway hop p50 (defaults)', ms3(s.hopMs), '<= 0.2 ms'],
  ['Streamable HTTP: gateway hop p50 (no guards)', ms3(s.hopBareMs), ''],
  ['Streamable HTTP: BENCH_BEFORE_ROOT build hop p50', ms3(s.beforeHopMs), ''],
  ['gateway CPU per call / BENCH_BEFORE_ROOT build', `${s.cpuVsBefore.toFixed(2)}x`, ''],
  ['Streamable HTTP: mcp-proxy hop p50', ms3(s.mcpProxyHopMs), ''],
  [
    'gateway CPU per call / mcp-proxy (own; with docker CLI)',
    `${s.cpuVsMcpProxy.toFixed(2)}x; ${s.cpuVsMcpProxyTree.toFixed(2)}x`,
    '<= 0.7x',
  ],
  ['32 in flight: gateway / no gateway', `${s.throughputShare.toFixed(2)}x`, '>= 0.8x'],
  ['SSE: gateway hop p50', ms3(results.sse.hopMs), `<= supergateway's`],
  ['SSE: supergateway hop p50', ms3(results.sse.supergatewayHopMs), ''],
  ['SSE: BENCH_BEFORE_ROOT build hop p50', ms3(results.sse.beforeHopMs), ''],
  [
    '2026-07-28 stateless CPU per call: / BENCH_BEFORE_ROOT build; / a 2025 session call',
    `${results.modern.cpuVsBefore.toFixed(2)}x; ${results.modern.cpuVs2025.toFixed(2)}x`,
    '',
  ],
  [
    'guard: call logging, p50 / CPU per call',
    `${us(results.guards.logCallsUs)} / ${us(results.guards.logCallsCpuUs)}`,
    '',
  ],
  [
    'guard: secret blocking, p50 / CPU per call',
    `${us(results.guards.blockSecretsUs)} / ${us(results.guards.blockSecretsCpuUs)}`,
    '',
  ],
)
printTable(rows)
console.log(`load average: ${loadStart} at start, ${results.loadEnd} at end`)
