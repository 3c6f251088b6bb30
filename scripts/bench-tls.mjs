#!/usr/bin/env node
// The cost of TLS at the gateway (--tls-cert/--tls-key) against plain HTTP, measured in the same run:
//   1. a tool call through a real gateway process (2025 Streamable HTTP session of the SDK client, one
//      keep-alive connection, the gateway's own mcp-find tool: no Docker), median and p99 of sequential calls;
//   2. a request on a new connection each time (GET /health): what a TLS handshake adds.
// Rounds alternate between the two gateways so that machine load hits both alike.
// Run after `npm run build`: node scripts/bench-tls.mjs [--quick]. Writes .tmp/bench-tls.json.
import {execFileSync, spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Readable} from 'node:stream'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {freePort, percentile, ROOT, RUN_JS} from './lib/bench-lib.mjs'

const QUICK = process.argv.includes('--quick')
const ROUNDS = QUICK ? 4 : 10
const CALLS_PER_ROUND = QUICK ? 50 : 100
const FRESH_PER_ROUND = QUICK ? 20 : 50
const TOKEN = 'bench-tls-token-0123456789'

const dir = mkdtempSync(path.join(tmpdir(), 'docker-mcp-bench-tls-'))
const home = path.join(dir, 'home')
mkdirSync(path.join(home, '.docker'), {recursive: true})
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'tls.key',
    '-out',
    'tls.crt',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ],
  {cwd: dir, stdio: 'ignore'},
)
const ca = readFileSync(path.join(dir, 'tls.crt'))

const children = []
async function start(tls) {
  const port = await freePort()
  const args = [
    RUN_JS,
    'gateway',
    'run',
    '--transport',
    'streaming',
    '--port',
    String(port),
    '--no-log-calls',
  ]
  if (tls) args.push('--tls-cert', path.join(dir, 'tls.crt'), '--tls-key', path.join(dir, 'tls.key'))
  const env = {
    ...process.env,
    HOME: home,
    DOCKER_CONFIG: path.join(home, '.docker'),
    MCP_GATEWAY_AUTH_TOKEN: TOKEN,
  }
  const child = spawn(process.execPath, args, {env, stdio: ['ignore', 'ignore', 'pipe']})
  children.push(child)
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const base = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    if ((await get(base, tls, undefined).catch(() => 0)) === 200) return base
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`gateway did not start:\n${stderr}`)
}

/** GET /health; `agent` undefined = a new connection. */
function get(base, tls, agent) {
  return new Promise((resolve, reject) => {
    const req = (tls ? https : http).get(`${base}/health`, {ca, agent: agent ?? false}, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    })
    req.on('error', reject)
  })
}

/** A fetch over node:http(s) with one keep-alive agent (global fetch cannot be told our CA). */
function nodeFetch(tls) {
  const agent = new (tls ? https : http).Agent({keepAlive: true, ...(tls ? {ca} : {})})
  return async (input, init = {}) => {
    const url = new URL(typeof input === 'string' ? input : (input.href ?? input.url))
    const headers = {}
    new Headers(init.headers).forEach((v, k) => (headers[k] = v))
    headers.authorization = `Bearer ${TOKEN}`
    const body = init.body == null ? undefined : Buffer.from(await new Response(init.body).arrayBuffer())
    return new Promise((resolve, reject) => {
      const req = (tls ? https : http).request(url, {method: init.method ?? 'GET', headers, agent}, (res) => {
        const h = new Headers()
        for (let i = 0; i < res.rawHeaders.length; i += 2) h.append(res.rawHeaders[i], res.rawHeaders[i + 1])
        const empty = res.statusCode === 202 || res.statusCode === 204
        if (empty) res.resume()
        resolve(new Response(empty ? null : Readable.toWeb(res), {status: res.statusCode, headers: h}))
      })
      req.on('error', reject)
      req.end(body)
    })
  }
}

try {
  const bases = {http: await start(false), https: await start(true)}
  const clients = {}
  for (const [name, base] of Object.entries(bases)) {
    const client = new Client({name: `bench-${name}`, version: '1.0.0'})
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {fetch: nodeFetch(name === 'https')}),
    )
    for (let i = 0; i < 20; i++) await client.callTool({name: 'mcp-find', arguments: {query: 'warm'}})
    clients[name] = client
  }
  const calls = {http: [], https: []}
  const fresh = {http: [], https: []}
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 ? ['https', 'http'] : ['http', 'https']) {
      for (let i = 0; i < CALLS_PER_ROUND; i++) {
        const t0 = performance.now()
        await clients[name].callTool({name: 'mcp-find', arguments: {query: 'bench'}})
        calls[name].push(performance.now() - t0)
      }
      for (let i = 0; i < FRESH_PER_ROUND; i++) {
        const t0 = performance.now()
        await get(bases[name], name === 'https', undefined)
        fresh[name].push(performance.now() - t0)
      }
    }
  }
  for (const c of Object.values(clients)) await c.close()
  const ms = (x) => Math.round(x * 1000) / 1000
  const summary = {}
  for (const name of ['http', 'https']) {
    summary[name] = {
      callP50Ms: ms(percentile(calls[name], 50)),
      callP99Ms: ms(percentile(calls[name], 99)),
      newConnectionP50Ms: ms(percentile(fresh[name], 50)),
      newConnectionP99Ms: ms(percentile(fresh[name], 99)),
      calls: calls[name].length,
    }
  }
  summary.ratio = {
    callP50: ms(summary.https.callP50Ms / summary.http.callP50Ms),
    newConnectionP50: ms(summary.https.newConnectionP50Ms / summary.http.newConnectionP50Ms),
  }
  console.log(JSON.stringify(summary, null, 2))
  mkdirSync(path.join(ROOT, '.tmp'), {recursive: true})
  writeFileSync(path.join(ROOT, '.tmp/bench-tls.json'), JSON.stringify(summary, null, 2))
} finally {
  for (const child of children) {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    }
  }
  rmSync(dir, {recursive: true, force: true})
}
