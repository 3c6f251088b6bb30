#!/usr/bin/env node
// The per-call cost of tracing (src/gateway/observe/): the same gateway with the OTEL_* variables unset
// (tracing off: no OpenTelemetry module loaded) and set (one span per call, exported over OTLP/HTTP to a
// receiver in this process that accepts and drops them), alternated round by round, over stdio (the raw
// hot path) and Streamable HTTP (the SDK path). Also `--log-format json --log-calls` against text.
// Run after `npm run build` and `node scripts/build-images.mjs --test`:
//   node scripts/bench-observe.mjs [--quick]
// Prints JSON; writes it to .tmp/bench-observe.json.
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'

import {echoRate, echoTimes} from './lib/bench-lib.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUN_JS = path.join(ROOT, 'bin/run.js')
const QUICK = process.argv.includes('--quick')
const N_CALLS = QUICK ? 400 : 2000
const ROUNDS = QUICK ? 4 : 8
const FIXTURE = `docker-mcp-fixture:${process.env.DOCKER_MCP_TEST_TAG || 'test'}`

const home = mkdtempSync(path.join(tmpdir(), 'docker-mcp-bench-observe-'))
const env = {...process.env, HOME: home, DOCKER_CONFIG: path.join(home, '.docker'), NO_COLOR: '1'}
for (const k of Object.keys(env)) if (k.startsWith('OTEL_')) delete env[k]
delete env.DOCKER_CLI_PLUGIN_SOCKET
mkdirSync(env.DOCKER_CONFIG, {recursive: true})
const catalog = path.join(home, 'bench.yaml')
// The cheapest server there can be (the fixture's raw echo, no SDK): the gateway's own cost shows.
writeFileSync(
  catalog,
  `version: 2\nname: bench\ndisplayName: Bench\nregistry:\n  raw:\n    title: Raw\n    description: long-lived raw echo\n    type: server\n    image: ${FIXTURE}\n    longLived: true\n    env:\n      - name: FIXTURE_RAW_ECHO\n        value: "1"\n`,
)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]
const log = (line) => process.stderr.write(line + '\n')

// An OTLP/HTTP receiver that accepts and drops what it gets (counting spans' bytes, not parsing them).
let exports = 0
const receiver = http.createServer((req, res) => {
  req.resume().on('end', () => {
    exports++
    res.writeHead(200, {'content-type': 'application/json'}).end('{}')
  })
})
await new Promise((r) => receiver.listen(0, '127.0.0.1', r))
const TRACING = {OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.address().port}`}

const gatewayArgs = (extra) => [
  RUN_JS,
  'gateway',
  'run',
  '--catalog',
  catalog,
  '--servers',
  'raw',
  '--no-cache',
  ...extra,
]

async function stdioClient(extraEnv, extra = []) {
  const client = new Client({name: 'bench', version: '1'})
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: gatewayArgs(extra),
      env: {...env, ...extraEnv},
      stderr: 'ignore',
    }),
  )
  return client
}

async function freePort() {
  const s = net.createServer()
  await new Promise((r) => s.listen(0, '127.0.0.1', r))
  const p = s.address().port
  await new Promise((r) => s.close(r))
  return p
}

const children = []
async function httpClient(extraEnv) {
  const port = await freePort()
  const child = spawn(process.execPath, gatewayArgs(['--transport', 'streaming', '--port', String(port)]), {
    env: {...env, ...extraEnv, MCP_GATEWAY_AUTH_TOKEN: 'bench-observe-token-0123456789'},
    stdio: 'ignore',
  })
  children.push(child)
  for (let i = 0; i < 600; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break
    await new Promise((r) => setTimeout(r, 100))
  }
  const client = new Client({name: 'bench', version: '1'})
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
      requestInit: {headers: {authorization: 'Bearer bench-observe-token-0123456789'}},
    }),
  )
  return client
}

/** Alternate the clients round by round (the machine's load drifts), then compare medians to the first. */
async function compare(clients) {
  const names = Object.keys(clients)
  const times = Object.fromEntries(names.map((n) => [n, []]))
  const rates = Object.fromEntries(names.map((n) => [n, []]))
  for (const n of names) await echoTimes(clients[n], 100)
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of names) {
      times[n].push(...(await echoTimes(clients[n], N_CALLS / ROUNDS)))
      rates[n].push(await echoRate(clients[n], N_CALLS / ROUNDS, 8))
    }
  }
  const base = names[0]
  return Object.fromEntries(
    names.map((n) => [
      n,
      {
        p50Ms: median(times[n]),
        p99Ms: p99(times[n]),
        callsPerSecond: median(rates[n]),
        p50Ratio: median(times[n]) / median(times[base]),
        throughputRatio: median(rates[n]) / median(rates[base]),
      },
    ]),
  )
}

const results = {}
const STAGES_ONLY = process.argv.includes('--stages-only')
try {
  // ------------------------------------------------------------ the stage alone, in process
  // A loaded machine makes end-to-end latencies noise; the stage's own CPU cost per call is measured here.
  log('- The trace stage alone: a pipeline with no stage vs the trace stage (SDK on, spans exported)')
  const dist = (p) => import(path.join(ROOT, 'dist/src/gateway', p))
  const {CallPipeline} = await dist('pipeline/pipeline.js')
  const {toolCall} = await dist('pipeline/call.js')
  const {tracingStage} = await dist('pipeline/trace.js')
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = TRACING.OTEL_EXPORTER_OTLP_ENDPOINT
  const {startOtelTracer} = await dist('observe/otel.js')
  const quiet = {info() {}, warn() {}, debug() {}}
  const tracer = startOtelTracer(quiet)
  const answer = {kind: 'result', result: {content: [{type: 'text', text: 'x'}]}}
  const forward = async () => answer
  const caller = Object.freeze({id: 'local', via: 'local', name: 'local'})
  const call = () =>
    toolCall({
      session: 's',
      caller,
      name: 'echo',
      server: 'raw',
      tool: 'echo',
      arguments: {text: 'x'},
      via: 'raw',
    })
  const perCall = async (pipeline, n) => {
    const t = performance.now()
    for (let i = 0; i < n; i++) {
      await pipeline.run(call(), forward)
      await new Promise((r) => setImmediate(r))
    }
    return ((performance.now() - t) / n) * 1000
  }
  const bare = new CallPipeline([])
  const traced = new CallPipeline([tracingStage(tracer)])
  const N_INPROC = QUICK ? 10_000 : 40_000
  await perCall(bare, 5000)
  await perCall(traced, 5000)
  const bareUs = []
  const tracedUs = []
  for (let r = 0; r < 5; r++) {
    bareUs.push(await perCall(bare, N_INPROC))
    tracedUs.push(await perCall(traced, N_INPROC))
  }
  await tracer.shutdown()
  results.inProcess = {
    bareUs: median(bareUs),
    tracedUs: median(tracedUs),
    addedUsPerCall: median(tracedUs) - median(bareUs),
  }
  if (STAGES_ONLY) throw new Error('stages only')

  log('- stdio (raw hot path): tracing off vs on; text call log vs --log-format json')
  const stdio = {
    off: await stdioClient({}),
    tracing: await stdioClient(TRACING),
    textCallLog: await stdioClient({}, ['--log-calls']),
    jsonCallLog: await stdioClient({}, ['--log-calls', '--log-format', 'json']),
  }
  results.stdio = await compare(stdio)
  for (const c of Object.values(stdio)) await c.close()

  log('- Streamable HTTP (SDK path): tracing off vs on')
  const httpClients = {off: await httpClient({}), tracing: await httpClient(TRACING)}
  results.http = await compare(httpClients)
  for (const c of Object.values(httpClients)) await c.close()
  results.otlpExports = exports
} catch (err) {
  if (err.message !== 'stages only') throw err
} finally {
  for (const c of children) c.kill('SIGTERM')
  receiver.close()
  rmSync(home, {recursive: true, force: true})
}
mkdirSync(path.join(ROOT, '.tmp'), {recursive: true})
writeFileSync(path.join(ROOT, '.tmp/bench-observe.json'), JSON.stringify(results, null, 2))
console.log(JSON.stringify(results, null, 2))
