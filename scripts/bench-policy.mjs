#!/usr/bin/env node
// The per-call cost of sharing a gateway (access policy + rate limits + audit log, src/gateway/policy/)
// against the same gateway without them, measured in one run so the ratios mean something on any machine.
// Run after `npm run build` and `node scripts/build-images.mjs --test`:
//   node scripts/bench-policy.mjs [--quick]
// Prints a table; writes the raw numbers to .tmp/bench-policy.json.
import {execFileSync, spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'

import {echoTimes} from './lib/bench-lib.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUN_JS = path.join(ROOT, 'bin/run.js')
const QUICK = process.argv.includes('--quick')
const STAGES_ONLY = process.argv.includes('--stages-only')
const N_CALLS = QUICK ? 200 : 1000
const ROUNDS = QUICK ? 2 : 4
const FIXTURE = `docker-mcp-fixture:${process.env.DOCKER_MCP_TEST_TAG || 'test'}`
const dist = (p) => import(path.join(ROOT, 'dist/src/gateway', p))

const home = mkdtempSync(path.join(tmpdir(), 'docker-mcp-bench-policy-'))
const env = {...process.env, HOME: home, DOCKER_CONFIG: path.join(home, '.docker'), NO_COLOR: '1'}
delete env.DOCKER_CLI_PLUGIN_SOCKET
mkdirSync(env.DOCKER_CONFIG, {recursive: true})
const catalog = path.join(home, 'bench.yaml')
writeFileSync(
  catalog,
  `version: 2\nname: bench\ndisplayName: Bench\nregistry:\n  bench:\n    title: Bench\n    description: long-lived fixture\n    type: server\n    image: ${FIXTURE}\n    longLived: true\n`,
)
const policy = path.join(home, 'policy.yaml')
// A policy of a realistic size: ten rules, the matching one last.
writeFileSync(
  policy,
  `rules:\n${Array.from({length: 9}, (_, i) => `  - {who: ["token:other${i}", "group:g${i}"], servers: [s${i}], tools: ["x${i}:*"]}\n`).join('')}  - who: [local, token:bench]\n    servers: [bench]\n    deny: ["bench:crash"]\nlimits:\n  callsPerMinute: 100000000\n  concurrentCalls: 1000\n  tools:\n    "bench:huge": {callsPerMinute: 10}\n`,
)
const results = {}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const log = (line) => process.stderr.write(line + '\n')

/** Alternate the two clients round by round (the machine's load drifts), then compare medians. */
async function compare(plain, shared) {
  const a = []
  const b = []
  await echoTimes(plain, 50)
  await echoTimes(shared, 50)
  for (let r = 0; r < ROUNDS; r++) {
    a.push(...(await echoTimes(plain, N_CALLS / ROUNDS)))
    b.push(...(await echoTimes(shared, N_CALLS / ROUNDS)))
  }
  return {plainP50: median(a), sharedP50: median(b), ratio: median(b) / median(a)}
}

const gatewayArgs = (extra) => [
  RUN_JS,
  'gateway',
  'run',
  '--catalog',
  catalog,
  '--servers',
  'bench',
  '--no-cache',
  ...extra,
]
const sharedArgs = (audit) => ['--policy', policy, '--audit-log', path.join(home, audit)]

async function stdioClient(extra) {
  const client = new Client({name: 'bench', version: '1'})
  await client.connect(
    new StdioClientTransport({command: process.execPath, args: gatewayArgs(extra), env, stderr: 'ignore'}),
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

async function httpGateway(extra, token) {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    gatewayArgs(['--transport', 'streaming', '--port', String(port), ...extra]),
    {
      env: {...env, MCP_GATEWAY_AUTH_TOKEN: 'bench-gateway-token-0123456789'},
      stdio: 'ignore',
    },
  )
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    await new Promise((r) => setTimeout(r, 100))
  }
  const client = new Client({name: 'bench', version: '1'})
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
      requestInit: {headers: {authorization: `Bearer ${token}`}},
    }),
  )
  return {client, child}
}

try {
  // ------------------------------------------------------------ the stages alone, in process
  log('- The stages alone: a pipeline with no stage vs audit + policy + rate limit (answer immediate)')
  const {CallPipeline} = await dist('pipeline/pipeline.js')
  const {toolCall} = await dist('pipeline/call.js')
  const {accessControl} = await dist('policy/index.js')
  const quiet = {info() {}, warn() {}, debug() {}, error() {}}
  const access = await accessControl(
    {cwd: home, env, paths: {gatewayTokens: path.join(home, 'tokens.json')}},
    {policy, auditLog: path.join(home, 'inproc-audit.log'), transport: 'streaming', watch: false},
    quiet,
  )
  const caller = Object.freeze({id: 'token:bench', via: 'token', name: 'bench'})
  const answer = {kind: 'result', result: {content: [{type: 'text', text: 'x'}]}}
  const forward = async () => answer
  const bare = new CallPipeline([])
  const guarded = new CallPipeline(access.stages)
  const call = () =>
    toolCall({
      session: 's',
      caller,
      name: 'echo',
      server: 'bench',
      tool: 'echo',
      arguments: {text: 'x'},
      via: 'raw',
    })
  const perCall = async (pipeline, n) => {
    const t = performance.now()
    // Each call yields to the event loop once, as calls from a client do (and the audit log's writes run).
    for (let i = 0; i < n; i++) {
      await pipeline.run(call(), forward)
      await new Promise((r) => setImmediate(r))
    }
    return ((performance.now() - t) / n) * 1000
  }
  const N_INPROC = QUICK ? 10_000 : 40_000
  await perCall(bare, 5000)
  await perCall(guarded, 5000)
  const bareUs = []
  const guardedUs = []
  for (let r = 0; r < 5; r++) {
    bareUs.push(await perCall(bare, N_INPROC))
    guardedUs.push(await perCall(guarded, N_INPROC))
  }
  // Each stage alone, to see where the time goes.
  const each = {}
  for (const stage of access.stages) {
    const one = new CallPipeline([stage])
    await perCall(one, 5000)
    const us = []
    for (let r = 0; r < 3; r++) us.push(await perCall(one, N_INPROC))
    each[stage.name] = median(us) - median(bareUs)
  }
  access.close()
  results.inProcess = {
    bareUs: median(bareUs),
    guardedUs: median(guardedUs),
    addedUs: median(guardedUs) - median(bareUs),
    addedUsByStage: each,
  }

  if (STAGES_ONLY) {
    console.log(JSON.stringify(results, null, 2))
    process.exit(0)
  }
  // ------------------------------------------------------------ stdio (the raw hot path)
  log('- stdio, long-lived server (raw path): gateway vs the same gateway with --policy and --audit-log')
  const plainStdio = await stdioClient([])
  const sharedStdio = await stdioClient(sharedArgs('stdio-audit.log'))
  results.stdio = await compare(plainStdio, sharedStdio)
  await plainStdio.close()
  await sharedStdio.close()

  // ------------------------------------------------------------ Streamable HTTP
  log('- Streamable HTTP: the gateway token vs a named token with --policy and --audit-log')
  const named = execFileSync(process.execPath, [RUN_JS, 'gateway', 'token', 'create', 'bench'], {env})
    .toString()
    .trim()
  const plainHttp = await httpGateway([], 'bench-gateway-token-0123456789')
  const sharedHttp = await httpGateway(sharedArgs('http-audit.log'), named)
  results.http = await compare(plainHttp.client, sharedHttp.client)
  for (const g of [plainHttp, sharedHttp]) {
    await g.client.close()
    g.child.kill('SIGTERM')
  }
} finally {
  rmSync(home, {recursive: true, force: true})
}

const r = results
const f = (x) => x.toFixed(3)
console.log('| measure | without | with policy + limits + audit | ratio |')
console.log('| --- | --- | --- | --- |')
console.log(
  `| the stages alone, per call (in process) | ${f(r.inProcess.bareUs)} µs | ${f(r.inProcess.guardedUs)} µs | +${f(r.inProcess.addedUs)} µs |`,
)
for (const [name, us] of Object.entries(r.inProcess.addedUsByStage))
  console.log(`| - of which ${name} | | | +${f(us)} µs |`)
console.log(
  `| stdio p50, raw path | ${f(r.stdio.plainP50)} ms | ${f(r.stdio.sharedP50)} ms | ${r.stdio.ratio.toFixed(2)}x |`,
)
console.log(
  `| Streamable HTTP p50 | ${f(r.http.plainP50)} ms | ${f(r.http.sharedP50)} ms | ${r.http.ratio.toFixed(2)}x |`,
)
mkdirSync(path.join(ROOT, '.tmp'), {recursive: true})
writeFileSync(path.join(ROOT, '.tmp/bench-policy.json'), JSON.stringify(results, null, 2))
