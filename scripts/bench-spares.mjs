#!/usr/bin/env node
// Spare containers for per-call servers (#21): per-call calls with and without spares, against a long-lived
// call through the same gateway, all in one run. Run after `npm run build` and
// `node scripts/build-images.mjs --test`:
//   node scripts/bench-spares.mjs [--quick]
// Writes the raw numbers to .tmp/bench-spares.json.
import {execFileSync} from 'node:child_process'
import {hostname} from 'node:os'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'

import {
  benchHome,
  FIXTURE,
  load1,
  log,
  percentile,
  RUN_JS,
  sleep,
  writeCatalog,
  writeResults,
} from './lib/bench-lib.mjs'

const QUICK = process.argv.includes('--quick')
const SPACED = QUICK ? 6 : 12

const {home, env, cleanup} = benchHome('bench-spares')
const catalog = writeCatalog(home, [
  `  fresh:\n    title: Fresh\n    description: per-call fixture\n    type: server\n    image: ${FIXTURE}\n`,
  `  held:\n    title: Held\n    description: long-lived fixture\n    type: server\n    image: ${FIXTURE}\n    longLived: true\n    prefix: held\n`,
])

async function gateway(spares) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      RUN_JS,
      'gateway',
      'run',
      '--catalog',
      catalog,
      '--servers',
      'fresh,held',
      '--no-cache',
      '--spare-containers',
      String(spares),
    ],
    env,
    stderr: 'ignore',
  })
  const client = new Client({name: 'bench-spares', version: '1'})
  await client.connect(transport)
  await client.listTools()
  return {client, pid: transport.pid}
}

async function timed(client, name) {
  const t = performance.now()
  await client.callTool({name, arguments: {text: 'x'}}, {timeout: 120_000})
  return performance.now() - t
}

/** Calls spaced as an agent makes them: one, then a pause. */
async function spaced(client, name, n, pauseMs) {
  const times = []
  for (let i = 0; i < n; i++) {
    times.push(await timed(client, name))
    await sleep(pauseMs)
  }
  return times
}

const fixtureContainers = () =>
  execFileSync(
    'docker',
    [
      'ps',
      '-q',
      '--filter',
      'label=docker-mcp=true',
      '--filter',
      'label=docker-mcp-name=fresh',
      '--filter',
      `label=docker-mcp-gateway-host=${hostname()}`,
    ],
    {encoding: 'utf8'},
  )
    .split('\n')
    .filter(Boolean)

const results = {load: load1()}
try {
  for (const spares of [0, 2]) {
    log(`- per-call server, --spare-containers ${spares}`)
    const {client} = await gateway(spares)
    // Warm: the long-lived container starts, the per-call server has had its first call.
    await timed(client, 'held__echo')
    await timed(client, 'echo')
    await sleep(2000)
    const held = []
    for (let i = 0; i < 50; i++) held.push(await timed(client, 'held__echo'))
    const spacedTimes = await spaced(client, 'echo', SPACED, 1500)
    // A burst as large as the pool, after a pause that lets it fill.
    await sleep(3000)
    const burstStart = performance.now()
    const burst = await Promise.all(Array.from({length: 2}, () => timed(client, 'echo')))
    const burstWall = performance.now() - burstStart
    // Back to back, one at a time: how fast calls can follow each other.
    const n = QUICK ? 6 : 15
    const t = performance.now()
    for (let i = 0; i < n; i++) await timed(client, 'echo')
    const backToBackPerSec = n / ((performance.now() - t) / 1000)
    let rest
    if (spares > 0) {
      await sleep(3000)
      const ids = fixtureContainers()
      rest = ids.length
        ? execFileSync('docker', ['stats', '--no-stream', '--format', '{{.MemUsage}} {{.CPUPerc}}', ...ids], {
            encoding: 'utf8',
          })
            .trim()
            .split('\n')
        : []
    }
    await client.close()
    results[`spares${spares}`] = {
      longLivedP50: percentile(held, 50),
      spacedP50: percentile(spacedTimes, 50),
      spacedP90: percentile(spacedTimes, 90),
      burstP50: percentile(burst, 50),
      burstWall,
      backToBackPerSec,
      ...(rest ? {sparesAtRest: rest} : {}),
    }
  }
} finally {
  cleanup()
}
results.loadEnd = load1()
writeResults('bench-spares', results)
const off = results.spares0
const on = results.spares2
const f = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`
const rows = [
  ['long-lived call p50 (the baseline)', `${f(on.longLivedP50)} (spares off: ${f(off.longLivedP50)})`, ''],
  [
    'per-call p50, calls 1.5 s apart: spares / long-lived',
    `${f(on.spacedP50)} = ${(on.spacedP50 / on.longLivedP50).toFixed(1)}x`,
    '<= 2x',
  ],
  [
    'per-call p50, calls 1.5 s apart: no spares / long-lived',
    `${f(off.spacedP50)} = ${(off.spacedP50 / off.longLivedP50).toFixed(0)}x`,
    '',
  ],
  ['burst of 2 after a pause, p50: spares / no spares', `${f(on.burstP50)} / ${f(off.burstP50)}`, ''],
  [
    'back-to-back calls/s: spares / no spares (the engine start rate)',
    `${on.backToBackPerSec.toFixed(2)} / ${off.backToBackPerSec.toFixed(2)} = ${(on.backToBackPerSec / off.backToBackPerSec).toFixed(2)}x`,
    '>= 1x',
  ],
  ['spare containers at rest (memory, CPU)', (on.sparesAtRest ?? []).join('; ') || 'none', ''],
  ['load average (1 min) at start / end', `${results.load} / ${results.loadEnd}`, ''],
]
const w = Math.max(...rows.map((x) => x[0].length))
console.log(`${'measure'.padEnd(w)}  ${'result'.padEnd(44)}  target`)
for (const [a, b, c] of rows) console.log(`${a.padEnd(w)}  ${b.padEnd(44)}  ${c}`)
process.exit(0)
