#!/usr/bin/env node
// Servers scaled and balanced (#20): calls/s with 32 calls in flight to a long-lived server run as 1 and as 3
// replica containers, a tool that sleeps 20 ms (`slow {ms: 20, steps: 1}` of the fixture), both through the
// same gateway build, in one run (ratios to the 1-replica baseline). Run after `npm run build` and
// `node scripts/build-images.mjs --test`:
//   node scripts/bench-server-replicas.mjs [--quick]
// Writes the raw numbers to .tmp/bench-replicas.json.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUN_JS = path.join(ROOT, 'bin/run.js')
const QUICK = process.argv.includes('--quick')
const IN_FLIGHT = 32
const CALLS = QUICK ? 320 : 1280
const FIXTURE = `docker-mcp-fixture:${process.env.DOCKER_MCP_TEST_TAG || 'test'}`

const home = mkdtempSync(path.join(tmpdir(), 'docker-mcp-bench-replicas-'))
const env = {...process.env, HOME: home, DOCKER_CONFIG: path.join(home, '.docker'), NO_COLOR: '1'}
delete env.DOCKER_CLI_PLUGIN_SOCKET
mkdirSync(env.DOCKER_CONFIG, {recursive: true})
const catalog = path.join(home, 'bench.yaml')
writeFileSync(
  catalog,
  `version: 2\nname: bench\ndisplayName: Bench\nregistry:\n` +
    `  pool:\n    title: Pool\n    description: long-lived fixture\n    type: server\n    image: ${FIXTURE}\n    longLived: true\n`,
)
const log = (line) => process.stderr.write(line + '\n')
const percentile = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]

async function gateway(replicas) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      RUN_JS,
      'gateway',
      'run',
      '--catalog',
      catalog,
      '--servers',
      'pool',
      '--no-cache',
      '--log-calls=false',
      '--server-replicas',
      `pool=${replicas}`,
    ],
    env: {...env},
    stderr: 'ignore',
  })
  const client = new Client({name: 'bench-replicas', version: '1'})
  await client.connect(transport)
  await client.listTools()
  return {client, pid: transport.pid}
}

const whoami = async (client) =>
  JSON.parse((await client.callTool({name: 'whoami', arguments: {}}, {timeout: 120_000})).content[0].text)
    .hostname

async function load(client) {
  const times = []
  let next = 0
  const cpuBefore = process.cpuUsage()
  const t = performance.now()
  await Promise.all(
    Array.from({length: IN_FLIGHT}, async () => {
      while (next < CALLS) {
        next++
        const s = performance.now()
        await client.callTool({name: 'slow', arguments: {ms: 20, steps: 1}}, {timeout: 120_000})
        times.push(performance.now() - s)
      }
    }),
  )
  const seconds = (performance.now() - t) / 1000
  return {
    callsPerSec: CALLS / seconds,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    clientCpu: process.cpuUsage(cpuBefore),
  }
}

const results = {load: loadavg()[0], inFlight: IN_FLIGHT, calls: CALLS}
try {
  for (const replicas of [1, 3]) {
    log(`- ${replicas} replica(s)`)
    const {client} = await gateway(replicas)
    const seen = new Set()
    const deadline = Date.now() + 180_000
    while (seen.size < replicas && Date.now() < deadline) seen.add(await whoami(client))
    // Warm: JIT and connections on every replica.
    await Promise.all(
      Array.from({length: 64}, () => client.callTool({name: 'slow', arguments: {ms: 20, steps: 1}})),
    )
    results[`replicas${replicas}`] = {answering: seen.size, ...(await load(client))}
    await client.close()
  }
} finally {
  rmSync(home, {recursive: true, force: true})
}
mkdirSync(path.join(ROOT, '.tmp'), {recursive: true})
writeFileSync(path.join(ROOT, '.tmp/bench-replicas.json'), JSON.stringify(results, null, 2))
const one = results.replicas1
const three = results.replicas3
const f = (x) => `${x.toFixed(1)} ms`
console.log(
  `calls/s, ${IN_FLIGHT} in flight, 20 ms tool: 1 replica ${one.callsPerSec.toFixed(0)}, 3 replicas ${three.callsPerSec.toFixed(0)} = ${(three.callsPerSec / one.callsPerSec).toFixed(2)}x`,
)
console.log(
  `latency p50/p99: 1 replica ${f(one.p50)}/${f(one.p99)}, 3 replicas ${f(three.p50)}/${f(three.p99)}`,
)
console.log(
  `replicas answering: ${one.answering} / ${three.answering}; load average (1 min) at start ${results.load.toFixed(2)}`,
)
process.exit(0)
