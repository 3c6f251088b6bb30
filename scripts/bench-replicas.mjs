#!/usr/bin/env node
// The cost of a 2025-era session request landing on a replica that does not own the session: relayed to
// the owner (src/gateway/http/cluster/) against the same request sent to the owner directly, in the same
// run, interleaved. Two gateway processes (`gateway run --transport streaming --peers`), no servers (no
// Docker), one session opened on replica A; `ping` and `tools/list` requests sent to A (direct) and to B
// (relayed to A), sequentially, over kept-alive connections. Reports p50/p99 of each and the difference.
// Run after `npm run build`: node scripts/bench-replicas.mjs [--quick]. Writes .tmp/bench-replicas.json.
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {freePort, percentile, ROOT, RUN_JS} from './lib/bench-lib.mjs'

const N = process.argv.includes('--quick') ? 200 : 2000
const TOKEN = 'bench-replicas-token-0123456789'

const home = mkdtempSync(path.join(tmpdir(), 'bench-replicas-'))
mkdirSync(path.join(home, '.docker'))
const ports = [await freePort(), await freePort()]
const peers = ports.map((p) => `127.0.0.1:${p}`).join(',')
const children = ports.map((port) =>
  spawn(
    process.execPath,
    [
      RUN_JS,
      'gateway',
      'run',
      '--transport',
      'streaming',
      '--port',
      String(port),
      '--peers',
      peers,
      '--no-watch',
    ],
    {
      env: {
        ...process.env,
        HOME: home,
        DOCKER_CONFIG: path.join(home, '.docker'),
        MCP_GATEWAY_AUTH_TOKEN: TOKEN,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  ),
)
const agent = new http.Agent({keepAlive: true, maxSockets: 4})

function post(port, body, sessionId) {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body)
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': Buffer.byteLength(text),
          ...(sessionId ? {'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18'} : {}),
        },
      },
      (res) => {
        let out = ''
        res.setEncoding('utf8').on('data', (d) => (out += d))
        res.on('end', () => resolve({status: res.statusCode, headers: res.headers, body: out}))
      },
    )
    req.once('error', reject)
    req.end(text)
  })
}

try {
  for (const port of ports) {
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.status === 200,
        () => false,
      )
      if (ok) break
      if (i > 600) throw new Error(`replica on ${port} did not start`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  const init = await post(ports[0], {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 'bench', version: '1'}},
  })
  const sid = init.headers['mcp-session-id']
  if (init.status !== 200 || !sid) throw new Error(`initialize: ${init.status} ${init.body}`)
  await post(ports[0], {jsonrpc: '2.0', method: 'notifications/initialized'}, sid)

  const results = {}
  for (const method of ['ping', 'tools/list']) {
    const direct = []
    const relayed = []
    // Warm up both paths (connections, JIT), then interleave so that load on the machine hits both alike.
    for (let i = 0; i < 50; i++)
      for (const port of ports) await post(port, {jsonrpc: '2.0', id: i, method}, sid)
    for (let i = 0; i < N; i++) {
      for (const [port, into] of [
        [ports[0], direct],
        [ports[1], relayed],
      ]) {
        const t = performance.now()
        const r = await post(port, {jsonrpc: '2.0', id: i, method}, sid)
        into.push(performance.now() - t)
        if (r.status !== 200) throw new Error(`${method} on ${port}: ${r.status} ${r.body}`)
      }
    }
    const row = (xs) => ({p50: +percentile(xs, 50).toFixed(3), p99: +percentile(xs, 99).toFixed(3)})
    results[method] = {
      direct: row(direct),
      relayed: row(relayed),
      addedP50: +(percentile(relayed, 50) - percentile(direct, 50)).toFixed(3),
      addedP99: +(percentile(relayed, 99) - percentile(direct, 99)).toFixed(3),
    }
  }
  const out = {n: N, ms: results}
  console.log(JSON.stringify(out, null, 2))
  mkdirSync(path.join(ROOT, '.tmp'), {recursive: true})
  writeFileSync(path.join(ROOT, '.tmp/bench-replicas.json'), JSON.stringify(out, null, 2))
} finally {
  agent.destroy()
  for (const child of children) child.kill('SIGTERM')
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)))
  rmSync(home, {recursive: true, force: true})
}
