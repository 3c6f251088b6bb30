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
  directFixtureArgs,
  FIXTURE,
  fixtureEntry,
  load1,
  log,
  percentile,
  rawStdioClient,
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
  // The cheapest server (the fixture's SDK-free echo): the SDK fixture's first calls in a fresh process
  // cost ~12 ms of its own (cold code), which no spare can take away; this one's do not.
  fixtureEntry('rawfresh', {raw: true, prefix: 'rawfresh'}),
  fixtureEntry('rawheld', {raw: true, longLived: true, prefix: 'rawheld'}),
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
      'fresh,held,rawfresh,rawheld',
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

/**
 * Calls spaced as an agent makes them: a pause, then one call, for each of `names` in turn (interleaved, so
 * that each tool meets the same machine). A call after a pause costs more than one right after another, on
 * any server: every process on the way (client, gateway, engine, shim, server) is asleep and must be woken
 * (measured with `docker run -i` and no gateway: ~4 ms after 1.5 s against ~0.9 ms back to back). So the
 * baseline of a spaced per-call call is a long-lived call spaced the same way.
 */
async function spaced(client, names, n, pauseMs) {
  const times = names.map(() => [])
  for (let i = 0; i < n; i++)
    for (const [k, name] of names.entries()) {
      await sleep(pauseMs)
      times[k].push(await timed(client, name))
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

/**
 * The same server with no gateway (`docker run -i`, the cheapest client): a fresh container per call, its
 * handshake done, called after the same pause as the gateway's spares, interleaved with a long-lived one
 * called after the same pause. What a fresh process costs on its own, which no gateway can take away.
 */
async function direct(raw) {
  const args = directFixtureArgs(raw)
  const echo = async (client) => {
    const t = performance.now()
    await client.callTool({name: 'echo', arguments: {text: 'x'}})
    return performance.now() - t
  }
  const held = await rawStdioClient('docker', args, process.env)
  await echo(held)
  const fresh = []
  const heldTimes = []
  try {
    for (let i = 0; i < SPACED; i++) {
      const client = await rawStdioClient('docker', args, process.env)
      await sleep(1500)
      fresh.push(await echo(client))
      await client.close()
      await sleep(1500)
      heldTimes.push(await echo(held))
    }
  } finally {
    await held.close()
  }
  return {freshP50: percentile(fresh, 50), longLivedSpacedP50: percentile(heldTimes, 50)}
}

const results = {load: load1()}
try {
  for (const spares of [0, 2]) {
    log(`- per-call server, --spare-containers ${spares}`)
    const {client} = await gateway(spares)
    // Warm: the long-lived container starts, the per-call server has had its first call.
    await timed(client, 'held__echo')
    await timed(client, 'echo')
    await timed(client, 'rawheld__echo')
    await timed(client, 'rawfresh__echo')
    await sleep(2000)
    const held = []
    for (let i = 0; i < 50; i++) held.push(await timed(client, 'held__echo'))
    const rawHeld = []
    for (let i = 0; i < 50; i++) rawHeld.push(await timed(client, 'rawheld__echo'))
    const [spacedTimes, heldSpaced] = await spaced(client, ['echo', 'held__echo'], SPACED, 1500)
    const [rawSpaced, rawHeldSpaced] = await spaced(client, ['rawfresh__echo', 'rawheld__echo'], SPACED, 1500)
    // A burst as large as the pool, after a pause that lets it fill: the first after single calls (the
    // pool holds what single calls need), then the same burst again (an agent's parallel tool calls recur).
    const bursts = []
    for (let i = 0; i < 2; i++) {
      await sleep(3000)
      bursts.push(await Promise.all(Array.from({length: 2}, () => timed(client, 'echo'))))
    }
    const [burst, burstAgain] = bursts
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
      rawLongLivedP50: percentile(rawHeld, 50),
      rawSpacedP50: percentile(rawSpaced, 50),
      longLivedSpacedP50: percentile(heldSpaced, 50),
      rawLongLivedSpacedP50: percentile(rawHeldSpaced, 50),
      burstP50: percentile(burst, 50),
      burstMax: Math.max(...burst),
      burstAgainMax: Math.max(...burstAgain),
      backToBackPerSec,
      ...(rest ? {sparesAtRest: rest} : {}),
    }
  }
  log('- no gateway: docker run -i, fresh and long-lived')
  results.direct = {sdk: await direct(false), raw: await direct(true)}
} finally {
  cleanup()
}
results.loadEnd = load1()
writeResults('bench-spares', results)
const off = results.spares0
const on = results.spares2
const f = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`
const rows = [
  ['long-lived call p50, back to back', `${f(on.longLivedP50)} (spares off: ${f(off.longLivedP50)})`, ''],
  ['long-lived call p50, 1.5 s apart (the baseline)', `${f(on.longLivedSpacedP50)}`, ''],
  [
    'per-call p50, calls 1.5 s apart: spares / long-lived 1.5 s apart',
    `${f(on.spacedP50)} = ${(on.spacedP50 / on.longLivedSpacedP50).toFixed(2)}x`,
    '<= 2x',
  ],
  [
    'the same, cheapest server (raw echo): spares / long-lived raw echo, 1.5 s apart',
    `${f(on.rawSpacedP50)} / ${f(on.rawLongLivedSpacedP50)} = ${(on.rawSpacedP50 / on.rawLongLivedSpacedP50).toFixed(2)}x`,
    '<= 2x',
  ],
  [
    'no gateway (docker run -i): fresh / long-lived, 1.5 s apart: SDK fixture; raw echo',
    `${f(results.direct.sdk.freshP50)} / ${f(results.direct.sdk.longLivedSpacedP50)} = ${(results.direct.sdk.freshP50 / results.direct.sdk.longLivedSpacedP50).toFixed(2)}x; ` +
      `${f(results.direct.raw.freshP50)} / ${f(results.direct.raw.longLivedSpacedP50)} = ${(results.direct.raw.freshP50 / results.direct.raw.longLivedSpacedP50).toFixed(2)}x`,
    '',
  ],
  [
    'per-call with spares / fresh with no gateway: SDK fixture; raw echo',
    `${(on.spacedP50 / results.direct.sdk.freshP50).toFixed(2)}x; ${(on.rawSpacedP50 / results.direct.raw.freshP50).toFixed(2)}x`,
    '',
  ],
  [
    'the same against back-to-back long-lived calls: SDK fixture; raw echo',
    `${(on.spacedP50 / on.longLivedP50).toFixed(1)}x; ${(on.rawSpacedP50 / on.rawLongLivedP50).toFixed(1)}x`,
    '',
  ],
  [
    'the same, raw echo: no spares / long-lived raw echo',
    `${f(off.rawSpacedP50)} = ${(off.rawSpacedP50 / off.rawLongLivedP50).toFixed(0)}x`,
    '',
  ],
  [
    'per-call p50, calls 1.5 s apart: no spares / long-lived',
    `${f(off.spacedP50)} = ${(off.spacedP50 / off.longLivedP50).toFixed(0)}x`,
    '',
  ],
  [
    'burst of 2 after single calls, slower call: spares / no spares',
    `${f(on.burstMax)} / ${f(off.burstMax)}`,
    '',
  ],
  [
    'the same burst again 3 s later, slower call: spares / long-lived 1.5 s apart',
    `${f(on.burstAgainMax)} = ${(on.burstAgainMax / on.longLivedSpacedP50).toFixed(2)}x`,
    'long-lived speed',
  ],
  [
    'back-to-back calls/s: spares / no spares (the engine start rate)',
    `${on.backToBackPerSec.toFixed(2)} / ${off.backToBackPerSec.toFixed(2)} = ${(on.backToBackPerSec / off.backToBackPerSec).toFixed(2)}x`,
    '>= 1x',
  ],
  ['spare containers at rest (memory, CPU)', (on.sparesAtRest ?? []).join('; ') || 'none', ''],
  ['load average (1 min) at start / end', `${results.load} / ${results.loadEnd}`, ''],
]
const w = Math.max(...rows.map((x) => x[0].length))
console.log(`${'measure'.padEnd(w)}  ${'result'.padEnd(50)}  target`)
for (const [a, b, c] of rows) console.log(`${a.padEnd(w)}  ${b.padEnd(50)}  ${c}`)
process.exit(0)
