#!/usr/bin/env node
// The cost of inbound OAuth: validating a JWT access token (RS256, keys cached) on every request, against
// today's static token, measured in the same run. Two figures:
//   1. the front door alone: Authenticator.admit() per request, static token vs OAuth;
//   2. a whole tool call through a real gateway process over HTTP (2025 session, a remote server on
//      loopback, no Docker), static token vs OAuth, median and p99 of sequential calls.
// Run after `npm run build`: node scripts/bench-auth.mjs [--quick]. Writes .tmp/bench-auth.json.
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'
import {createMcpHandler, McpServer} from '@modelcontextprotocol/server'
import {toNodeHandler} from '@modelcontextprotocol/node'
import {exportJWK, generateKeyPair, SignJWT} from 'jose'
import * as z from 'zod'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUN_JS = path.join(ROOT, 'bin/run.js')
const QUICK = process.argv.includes('--quick')
const N_ADMIT = QUICK ? 2000 : 20000
const N_CALLS = QUICK ? 200 : 1000
const TOKEN = 'bench-static-token-0123456789'

const {staticTokenAuthenticator} = await import(path.join(ROOT, 'dist/src/gateway/http/auth.js'))
const {oauthAuthenticator} = await import(path.join(ROOT, 'dist/src/gateway/http/oauth/authenticator.js'))

const percentile = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]
const listen = (server) => new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)))
async function freePort() {
  const s = net.createServer()
  const port = await listen(s)
  await new Promise((r) => s.close(r))
  return port
}

// A minimal issuer: OpenID discovery and a JWKS, as an identity provider publishes them.
const {privateKey, publicKey} = await generateKeyPair('RS256')
const jwk = {...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig'}
const idp = http.createServer((req, res) => {
  const body =
    req.url === '/jwks'
      ? {keys: [jwk]}
      : {
          issuer: `http://127.0.0.1:${idp.address().port}`,
          jwks_uri: `http://127.0.0.1:${idp.address().port}/jwks`,
        }
  res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(body))
})
const issuer = `http://127.0.0.1:${await listen(idp)}`

// The remote MCP server the calls go to.
const remote = http.createServer(
  toNodeHandler(
    createMcpHandler(() => {
      const server = new McpServer({name: 'bench-remote', version: '1'})
      server.registerTool('echo', {inputSchema: z.object({text: z.string()})}, async ({text}) => ({
        content: [{type: 'text', text}],
      }))
      return server
    }),
  ),
)
const remotePort = await listen(remote)

const gatewayPort = await freePort()
const resource = `http://127.0.0.1:${gatewayPort}`
const sign = (jti) =>
  new SignJWT({scope: 'mcp:tools', client_id: 'bench', groups: ['dev'], jti})
    .setProtectedHeader({alg: 'RS256', kid: 'bench', typ: 'at+jwt'})
    .setIssuer(issuer)
    .setAudience(resource)
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey)
const accessToken = await sign('one')

// ---------------------------------------------------------------- 1. the front door alone
// The two are measured in alternating rounds and the median round is kept: on a shared machine a burst of
// load then hits both alike instead of one of them.
const ROUNDS = 20
async function admitRound(authenticator, req, n, fresh) {
  const requests = Array.from({length: n}, () =>
    fresh ? {...req, headers: {...req.headers, authorization: `Bearer ${fresh.pop()}`}} : req,
  )
  const t = performance.now()
  for (let i = 0; i < n; i++) {
    const a = await authenticator.admit(requests[i])
    if (!a.caller) throw new Error(`refused: ${JSON.stringify(a)}`)
  }
  return ((performance.now() - t) * 1000) / n // µs per request
}
const oauthOptions = {issuer, audience: resource, requiredScopes: ['mcp:tools']}
const doors = [
  [staticTokenAuthenticator(TOKEN), `Bearer ${TOKEN}`],
  [oauthAuthenticator(oauthOptions), `Bearer ${accessToken}`],
  // A token seen for the first time: the signature check itself (each request a new token).
  [oauthAuthenticator(oauthOptions), `Bearer ${accessToken}`, true],
].map(([authenticator, authorization, fresh]) => ({
  authenticator,
  req: {url: '/mcp', headers: {host: `127.0.0.1:${gatewayPort}`, authorization}},
  fresh,
  rounds: [],
}))
const N_FRESH = QUICK ? 1000 : 4000
const freshTokens = await Promise.all(Array.from({length: N_FRESH + 100}, (_, i) => sign(`t${i}`)))
for (const d of doors) await admitRound(d.authenticator, d.req, 100, d.fresh && freshTokens) // warm: keys, JIT
for (let r = 0; r < ROUNDS; r++) {
  for (const d of doors) {
    const n = d.fresh ? N_FRESH / ROUNDS : N_ADMIT / ROUNDS
    d.rounds.push(await admitRound(d.authenticator, d.req, n, d.fresh && freshTokens))
  }
}
const [staticUs, oauthUs, freshUs] = doors.map((d) => percentile(d.rounds, 50))

// ---------------------------------------------------------------- 2. a whole tool call
const home = mkdtempSync(path.join(tmpdir(), 'docker-mcp-bench-auth-'))
const env = {
  ...process.env,
  HOME: home,
  DOCKER_CONFIG: path.join(home, '.docker'),
  NO_COLOR: '1',
  MCP_GATEWAY_AUTH_TOKEN: TOKEN,
  DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS: '1',
}
delete env.DOCKER_CLI_PLUGIN_SOCKET
mkdirSync(env.DOCKER_CONFIG, {recursive: true})
const catalog = path.join(home, 'bench.yaml')
writeFileSync(
  catalog,
  `version: 2\nname: bench\ndisplayName: Bench\nregistry:\n  remote:\n    title: remote\n    description: bench\n    type: remote\n    remote:\n      url: http://127.0.0.1:${remotePort}/mcp\n      transport_type: http\n`,
)

/** A gateway process on `port` with these extra flags, and an SDK client of it (2025 session). */
async function gatewayClient(port, extra, authorization) {
  const child = spawn(
    process.execPath,
    [
      RUN_JS,
      'gateway',
      'run',
      '--transport',
      'streaming',
      '--port',
      String(port),
      '--catalog',
      catalog,
    ].concat(['--servers', 'remote', '--no-cache', '--no-log-calls', ...extra]),
    {env, stdio: ['ignore', 'ignore', 'pipe']},
  )
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (i > 300) throw new Error(`gateway did not start:\n${stderr}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  const client = new Client({name: 'bench', version: '1'})
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {requestInit: {headers: {authorization}}}),
  )
  for (let i = 0; i < 50; i++) await client.callTool({name: 'echo', arguments: {text: 'x'}})
  return {client, child, times: []}
}
// Both gateways run at once and the calls alternate between them, for the same reason as above.
const gateways = [
  await gatewayClient(await freePort(), [], `Bearer ${TOKEN}`),
  await gatewayClient(
    gatewayPort,
    ['--auth', 'oauth', '--issuer', issuer, '--audience', resource, '--required-scopes', 'mcp:tools'],
    `Bearer ${accessToken}`,
  ),
]
for (let i = 0; i < N_CALLS; i++) {
  for (const g of gateways) {
    const t = performance.now()
    await g.client.callTool({name: 'echo', arguments: {text: 'x'}})
    g.times.push(performance.now() - t)
  }
}
for (const g of gateways) {
  await g.client.close()
  g.child.kill('SIGTERM')
  await new Promise((r) => g.child.once('exit', r))
}
const [staticCall, oauthCall] = gateways.map((g) => ({
  p50: percentile(g.times, 50),
  p99: percentile(g.times, 99),
}))

const results = {
  admitMicroseconds: {
    static: staticUs,
    oauth: oauthUs,
    oauthFirstSight: freshUs,
    ratio: oauthUs / staticUs,
    ratioFirstSight: freshUs / staticUs,
  },
  toolCallMs: {static: staticCall, oauth: oauthCall, ratioP50: oauthCall.p50 / staticCall.p50},
  n: {admit: N_ADMIT, calls: N_CALLS},
}
const f = (x) => x.toFixed(2)
console.log('front door per request (admit):')
console.log(`  static token  ${f(staticUs)} µs`)
console.log(`  OAuth JWT, the client's usual token   ${f(oauthUs)} µs   (x${f(oauthUs / staticUs)})`)
console.log(
  `  OAuth JWT, a token seen the first time (signature checked)   ${f(freshUs)} µs   (x${f(freshUs / staticUs)})`,
)
console.log('tool call through the gateway over HTTP (2025 session, remote server on loopback):')
console.log(`  static token  p50 ${f(staticCall.p50)} ms  p99 ${f(staticCall.p99)} ms`)
console.log(
  `  OAuth JWT     p50 ${f(oauthCall.p50)} ms  p99 ${f(oauthCall.p99)} ms   (p50 x${f(oauthCall.p50 / staticCall.p50)})`,
)
mkdirSync(path.join(ROOT, '.tmp'), {recursive: true})
writeFileSync(path.join(ROOT, '.tmp/bench-auth.json'), JSON.stringify(results, null, 2))
idp.close()
remote.close()
rmSync(home, {recursive: true, force: true})
