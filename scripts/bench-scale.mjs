#!/usr/bin/env node
// Scale on one machine (#21): 1,000 concurrent idle 2025-era sessions over Streamable HTTP, and 10,000
// stateless (2026-07-28) requests a minute, on one gateway; RSS, memory per idle session, CPU per request and
// p50/p99. The baseline, measured in the same run the same way, is the SDK alone in its own process
// (scripts/lib/sdk-baseline-server.mjs: the cheapest server the SDK makes, no gateway, no container).
// The clients are minimal: raw HTTP (initialize + notifications/initialized), no SDK client.
//   node scripts/bench-scale.mjs [--quick] [--sessions N] [--heap]
// --sessions-only skips the stateless run; --gateway-only the baseline. BENCH_BEFORE_ROOT=<a checkout with
// its own dist/> adds that build's stateless run, in alternating rounds with this one's (two each). --heap also takes heap snapshots of the gateway before and after opening the sessions and prints what
// each session holds, by constructor (slow, and needs a few hundred MiB of disk in .tmp/).
// Writes .tmp/bench-scale.json.
import {spawn} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import http from 'node:http'
import path from 'node:path'

import {
  benchHome,
  cpuMs,
  fixtureEntry,
  httpGateway,
  load1,
  log,
  ms,
  percentile,
  printTable,
  ROOT,
  rssKiB,
  sleep,
  writeCatalog,
  writeResults,
} from './lib/bench-lib.mjs'

const QUICK = process.argv.includes('--quick')
const HEAP = process.argv.includes('--heap')
const argN = process.argv.indexOf('--sessions')
const N = argN > 0 ? Number(process.argv[argN + 1]) : QUICK ? 300 : 1000
const STATELESS_PER_MIN = 10_000
const STATELESS_SECONDS = QUICK ? 10 : 30
const MAX_IN_FLIGHT = 8
const SKIP_STATELESS = process.argv.includes('--sessions-only')
const BEFORE = process.env.BENCH_BEFORE_ROOT

const agent = new http.Agent({keepAlive: true, maxSockets: 64})

/** One HTTP request; resolves with status, headers and the whole body. */
function request(port, {method = 'POST', headers = {}, body}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method,
        agent,
        headers: {host: `127.0.0.1:${port}`, ...headers},
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({status: res.statusCode, headers: res.headers, body: text}))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const RPC = {accept: 'application/json, text/event-stream', 'content-type': 'application/json'}
const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 'bench-scale', version: '1'}},
})
const INITIALIZED = JSON.stringify({jsonrpc: '2.0', method: 'notifications/initialized'})

/** Open one 2025-era session the way a minimal client does; resolves with its id and the time it took. */
async function openSession(port, auth) {
  const t = performance.now()
  const init = await request(port, {headers: {...auth, ...RPC}, body: INIT})
  const sid = init.headers['mcp-session-id']
  if (init.status !== 200 || !sid) throw new Error(`initialize: ${init.status} ${init.body.slice(0, 300)}`)
  const headers = {...auth, ...RPC, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18'}
  const done = await request(port, {headers, body: INITIALIZED})
  if (done.status !== 202) throw new Error(`initialized: ${done.status} ${done.body.slice(0, 300)}`)
  return {sid, headers, ms: performance.now() - t}
}

/** Run `fn(i)` for i < n with `inFlight` at once; resolves with each call's duration. */
async function pooled(n, inFlight, fn) {
  const times = new Array(n)
  let next = 0
  await Promise.all(
    Array.from({length: inFlight}, async () => {
      while (next < n) {
        const i = next++
        const t = performance.now()
        await fn(i)
        times[i] = performance.now() - t
      }
    }),
  )
  return times
}

/** A tools/list in an open session (no container needed): a request every idle session may make. */
async function listInSession(port, s, id) {
  const r = await request(port, {
    headers: s.headers,
    body: JSON.stringify({jsonrpc: '2.0', id, method: 'tools/list', params: {}}),
  })
  if (r.status !== 200 || !r.body.includes('"tools"'))
    throw new Error(`tools/list: ${r.status} ${r.body.slice(0, 200)}`)
}

const statelessCall = (i) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: i,
    method: 'tools/call',
    params: {
      name: 'echo',
      arguments: {text: 'x'},
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  })

/**
 * `perMin` stateless tools/call requests a minute for `seconds`, open loop: each request is sent at its
 * scheduled time whether or not earlier ones have been answered, and timed from then (no coordinated omission).
 */
async function statelessLoad(target, perMin, seconds) {
  const headers = {
    ...target.auth,
    ...RPC,
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
    'mcp-name': 'echo',
  }
  const total = Math.round((perMin / 60) * seconds)
  const every = 60_000 / perMin
  const times = []
  let errors = 0
  let firstError
  const cpu0 = cpuMs(target.pid)
  const start = performance.now()
  const inFlight = []
  // At most MAX_IN_FLIGHT requests are open at once (a call in flight holds a container of its own); the
  // others wait their turn, and the wait counts in their time.
  let open = 0
  const freed = []
  for (let i = 0; i < total; i++) {
    const due = start + i * every
    const wait = due - performance.now()
    if (wait > 1) await sleep(wait)
    while (open >= MAX_IN_FLIGHT) await new Promise((r) => freed.push(r))
    open++
    inFlight.push(
      request(target.port, {headers, body: statelessCall(i)})
        .finally(() => {
          open--
          freed.shift()?.()
        })
        .then(
          (r) => {
            times.push(performance.now() - due)
            if (r.status !== 200 || !r.body.includes('"content"')) {
              errors++
              firstError ??= `${r.status} ${r.body.slice(0, 200)}`
            }
          },
          (err) => {
            errors++
            firstError ??= err.message
          },
        ),
    )
  }
  await Promise.all(inFlight)
  const wall = performance.now() - start
  const cpu = cpuMs(target.pid) - cpu0
  return {
    requests: total,
    perMinuteAchieved: (total / wall) * 60_000,
    errors,
    firstError,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    cpuPerRequestMs: cpu / total,
    rssMiB: rssKiB(target.pid) / 1024,
  }
}

/** The mean of several stateless runs' figures (errors summed, the first error kept). */
function meanOf(runs) {
  const mean = {...runs[0]}
  for (const key of Object.keys(mean))
    if (typeof mean[key] === 'number') mean[key] = runs.reduce((sum, r) => sum + r[key], 0) / runs.length
  mean.errors = runs.reduce((sum, r) => sum + r.errors, 0)
  mean.firstError = runs.find((r) => r.firstError)?.firstError
  return mean
}

/** Sum of self sizes by constructor name in a V8 heap snapshot file. */
function heapByConstructor(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'))
  const f = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k))
  const out = new Map()
  let total = 0
  const nodes = snap.nodes
  for (let i = 0; i < nodes.length; i += f.length) {
    const type = types[nodes[i + iType]]
    const name = type === 'object' || type === 'closure' ? snap.strings[nodes[i + iName]] : `(${type})`
    const key = type === 'closure' ? `closure ${name}` : name
    const e = out.get(key) ?? {count: 0, bytes: 0}
    e.count++
    e.bytes += nodes[i + iSize]
    out.set(key, e)
    total += nodes[i + iSize]
  }
  return {total, byName: out}
}

async function snapshot(target, dir) {
  const before = new Set(readdirSync(dir))
  process.kill(target.pid, 'SIGUSR2')
  for (;;) {
    await sleep(500)
    const fresh = readdirSync(dir).filter((f) => !before.has(f) && f.endsWith('.heapsnapshot'))
    if (fresh.length) {
      // Written when complete: wait until the size stops changing.
      const file = path.join(dir, fresh[0])
      let size = -1
      for (;;) {
        await sleep(1000)
        const now = readFileSync(file).length
        if (now === size && now > 0) break
        size = now
      }
      return file
    }
  }
}

/** Open N idle sessions on `target`, measure, use them once, close them. */
async function sessionsOn(target, label, heapDir) {
  // Warm-up: the first sessions load code paths (and the gateway's lazy modules) every later one shares.
  const warm = []
  for (let i = 0; i < 20; i++) warm.push(await openSession(target.port, target.auth))
  await pooled(warm.length, 4, (i) => listInSession(target.port, warm[i], 2))
  await Promise.all(warm.map((s) => request(target.port, {method: 'DELETE', headers: s.headers})))
  await sleep(2000)
  const heap0 = heapDir ? heapByConstructor(await snapshot(target, heapDir)) : undefined
  await sleep(1000)
  const rss0 = rssKiB(target.pid)
  const cpu0 = cpuMs(target.pid)
  const sessions = []
  const initTimes = await pooled(N, 16, async () =>
    sessions.push(await openSession(target.port, target.auth)),
  )
  const openCpu = cpuMs(target.pid) - cpu0
  await sleep(3000)
  const rss1 = rssKiB(target.pid)
  let heap
  if (heapDir) {
    const heap1 = heapByConstructor(await snapshot(target, heapDir))
    const diff = [...heap1.byName]
      .map(([name, e]) => {
        const b = heap0.byName.get(name) ?? {count: 0, bytes: 0}
        return {name, perSession: (e.count - b.count) / N, bytesPerSession: (e.bytes - b.bytes) / N}
      })
      .filter((x) => x.bytesPerSession > 16)
      .sort((a, b) => b.bytesPerSession - a.bytesPerSession)
    heap = {perSessionBytes: (heap1.total - heap0.total) / N, top: diff.slice(0, 40)}
    log(`  ${label}: heap per session ${(heap.perSessionBytes / 1024).toFixed(1)} KiB; top:`)
    for (const x of diff.slice(0, 25))
      log(
        `    ${x.name.slice(0, 60).padEnd(60)} ${x.perSession.toFixed(2).padStart(7)}  ${x.bytesPerSession.toFixed(0).padStart(7)} B`,
      )
  }
  const cpu1 = cpuMs(target.pid)
  const listTimes = await pooled(N, 32, (i) => listInSession(target.port, sessions[i], 2))
  const listCpu = cpuMs(target.pid) - cpu1
  await pooled(N, 32, (i) => request(target.port, {method: 'DELETE', headers: sessions[i].headers}))
  await sleep(2000)
  const rssAfterClose = rssKiB(target.pid)
  return {
    sessions: N,
    rssBeforeMiB: rss0 / 1024,
    rssWithSessionsMiB: rss1 / 1024,
    rssAfterCloseMiB: rssAfterClose / 1024,
    kibPerIdleSession: (rss1 - rss0) / N,
    initializeP50: percentile(initTimes, 50),
    initializeP99: percentile(initTimes, 99),
    cpuPerSessionOpenMs: openCpu / N,
    listP50: percentile(listTimes, 50),
    listP99: percentile(listTimes, 99),
    cpuPerListMs: listCpu / N,
    ...(heap ? {heap} : {}),
  }
}

async function baselineServer() {
  const nodeArgs = heapDir ? ['--heapsnapshot-signal=SIGUSR2'] : []
  const proc = spawn(
    process.execPath,
    [...nodeArgs, path.join(ROOT, 'scripts/lib/sdk-baseline-server.mjs')],
    {
      cwd: heapDir ?? ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const port = await new Promise((resolve) =>
    proc.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
  )
  return {
    proc,
    port,
    pid: proc.pid,
    auth: {},
    stop: async () => {
      proc.kill('SIGTERM')
      await new Promise((r) => proc.once('exit', r))
    },
  }
}

const results = {loadStart: load1(), sessions: N}
const {home, env, cleanup} = benchHome('bench-scale')
const heapDir = HEAP ? path.join(ROOT, '.tmp', 'heap') : undefined
if (heapDir) {
  rmSync(heapDir, {recursive: true, force: true})
  mkdirSync(heapDir, {recursive: true})
}
const catalog = writeCatalog(home, [fixtureEntry('raw', {longLived: true, raw: true, declared: true})])
let base, gw, before
try {
  if (!process.argv.includes('--gateway-only')) {
    log(`- baseline: the SDK alone, ${N} idle sessions`)
    base = await baselineServer()
    results.baseline = {sessions: await sessionsOn(base, 'SDK alone', heapDir)}
    log(`- baseline: ${STATELESS_PER_MIN} stateless requests a minute for ${STATELESS_SECONDS} s`)
    if (!SKIP_STATELESS)
      results.baseline.stateless = await statelessLoad(base, STATELESS_PER_MIN, STATELESS_SECONDS)
    await base.stop()
    base = undefined
  }

  log(`- gateway: ${N} idle sessions`)
  gw = await httpGateway(
    env,
    [
      '--catalog',
      catalog,
      '--servers',
      'raw',
      '--no-log-calls',
      '--max-sessions',
      String(N + 100),
      '--max-sessions-per-token',
      String(N + 100),
    ],
    {nodeArgs: heapDir ? ['--heapsnapshot-signal=SIGUSR2'] : [], cwd: heapDir},
  )
  results.gatewayRestMiB = rssKiB(gw.pid) / 1024
  results.gateway = {sessions: await sessionsOn(gw, 'gateway', heapDir)}
  log(
    `- gateway: ${STATELESS_PER_MIN} stateless requests a minute for ${STATELESS_SECONDS} s (a long-lived raw echo server)`,
  )
  // Warm: the long-lived container starts on the first call.
  if (!SKIP_STATELESS) {
    await statelessLoad(gw, 600, 2)
    // BENCH_BEFORE_ROOT: the other build in front of the same kind of container, rounds alternating.
    if (BEFORE) {
      before = await httpGateway(env, ['--catalog', catalog, '--servers', 'raw', '--no-log-calls'], {
        runJs: path.join(BEFORE, 'bin/run.js'),
      })
      await statelessLoad(before, 600, 2)
    }
    const mine = []
    const theirs = []
    for (let round = 0; round < (before ? 2 : 1); round++) {
      mine.push(await statelessLoad(gw, STATELESS_PER_MIN, STATELESS_SECONDS))
      if (before) theirs.push(await statelessLoad(before, STATELESS_PER_MIN, STATELESS_SECONDS))
    }
    results.gateway.stateless = meanOf(mine)
    if (before) results.before = {stateless: meanOf(theirs)}
  }
} finally {
  await base?.stop()
  await gw?.stop()
  await before?.stop()
  cleanup()
  if (heapDir && !process.argv.includes('--keep-heap')) rmSync(heapDir, {recursive: true, force: true})
  agent.destroy()
}
results.loadEnd = load1()

// --gateway-only (while working on the gateway): no baseline, the ratios are NaN.
const NONE = {p50: NaN, p99: NaN, cpuPerRequestMs: NaN, perMinuteAchieved: NaN, errors: 0, rssMiB: NaN}
results.baseline ??= {
  sessions: {
    kibPerIdleSession: NaN,
    initializeP50: NaN,
    initializeP99: NaN,
    listP99: NaN,
    cpuPerSessionOpenMs: NaN,
    cpuPerListMs: NaN,
  },
  stateless: NONE,
}
const b = results.baseline
const g = results.gateway
const x = (a, c) => `${(a / c).toFixed(2)}x`
if (SKIP_STATELESS) b.stateless = g.stateless = NONE
results.ratios = {
  kibPerIdleSession: g.sessions.kibPerIdleSession / b.sessions.kibPerIdleSession,
  initializeP99: g.sessions.initializeP99 / b.sessions.initializeP99,
  listP99: g.sessions.listP99 / b.sessions.listP99,
  statelessP99: g.stateless.p99 / b.stateless.p99,
  statelessCpuPerRequest: g.stateless.cpuPerRequestMs / b.stateless.cpuPerRequestMs,
}
writeResults('bench-scale', results)
printTable([
  [
    `memory per idle 2025 session (RSS delta / ${N}): gateway / SDK alone`,
    `${g.sessions.kibPerIdleSession.toFixed(1)} / ${b.sessions.kibPerIdleSession.toFixed(1)} KiB = ${x(g.sessions.kibPerIdleSession, b.sessions.kibPerIdleSession)}`,
    '<= 20 KiB',
  ],
  ...(g.sessions.heap
    ? [
        [
          '  of which JS heap (snapshot delta)',
          `${(g.sessions.heap.perSessionBytes / 1024).toFixed(1)} KiB`,
          '',
        ],
      ]
    : []),
  [
    `gateway RSS: at rest / ${N} sessions open / after they closed`,
    `${g.sessions.rssBeforeMiB.toFixed(0)} / ${g.sessions.rssWithSessionsMiB.toFixed(0)} / ${g.sessions.rssAfterCloseMiB.toFixed(0)} MiB`,
    '',
  ],
  [
    'initialize p50 / p99 (16 at once): gateway / SDK alone',
    `${ms(g.sessions.initializeP50)} / ${ms(g.sessions.initializeP99)} vs ${ms(b.sessions.initializeP50)} / ${ms(b.sessions.initializeP99)} = ${x(g.sessions.initializeP99, b.sessions.initializeP99)} (p99)`,
    '',
  ],
  [
    `tools/list in each of ${N} open sessions, p99 (32 at once): gateway / SDK alone`,
    `${ms(g.sessions.listP99)} / ${ms(b.sessions.listP99)} = ${x(g.sessions.listP99, b.sessions.listP99)}`,
    '',
  ],
  [
    'CPU per session opened / per tools/list: gateway (SDK alone)',
    `${g.sessions.cpuPerSessionOpenMs.toFixed(2)} (${b.sessions.cpuPerSessionOpenMs.toFixed(2)}) / ${g.sessions.cpuPerListMs.toFixed(2)} (${b.sessions.cpuPerListMs.toFixed(2)}) ms`,
    '',
  ],
  [
    `stateless tools/call at ${STATELESS_PER_MIN}/min: achieved by gateway (SDK alone), errors`,
    `${g.stateless.perMinuteAchieved.toFixed(0)}/min (${b.stateless.perMinuteAchieved.toFixed(0)}/min), ${g.stateless.errors} errors${g.stateless.firstError ? ` (${g.stateless.firstError})` : ''}`,
    '10,000/min',
  ],
  [
    'stateless p50 / p99: gateway (+ container) / SDK alone',
    `${ms(g.stateless.p50)} / ${ms(g.stateless.p99)} vs ${ms(b.stateless.p50)} / ${ms(b.stateless.p99)} = ${x(g.stateless.p99, b.stateless.p99)} (p99)`,
    '',
  ],
  [
    'stateless CPU per request: gateway / SDK alone',
    `${g.stateless.cpuPerRequestMs.toFixed(2)} / ${b.stateless.cpuPerRequestMs.toFixed(2)} ms = ${x(g.stateless.cpuPerRequestMs, b.stateless.cpuPerRequestMs)}`,
    '',
  ],
  ['gateway RSS after the stateless run', `${g.stateless.rssMiB.toFixed(0)} MiB`, ''],
  ...(results.before
    ? [
        [
          'stateless, BENCH_BEFORE_ROOT build: achieved, p99, CPU per request',
          `${results.before.stateless.perMinuteAchieved.toFixed(0)}/min, ${ms(results.before.stateless.p99)}, ${results.before.stateless.cpuPerRequestMs.toFixed(2)} ms`,
          '',
        ],
        [
          'stateless CPU per request: gateway / BENCH_BEFORE_ROOT build',
          x(g.stateless.cpuPerRequestMs, results.before.stateless.cpuPerRequestMs),
          '',
        ],
      ]
    : []),
  ['load average (1 min) at start / end', `${results.loadStart} / ${results.loadEnd}`, ''],
])
process.exit(0)
