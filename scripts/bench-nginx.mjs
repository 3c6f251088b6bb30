#!/usr/bin/env node
// Gateway replicas behind NGINX (issue #20's targets): calls/s with 32 clients through NGINX to 1 and to 3
// replicas, the NGINX hop's added latency, and CPU per call, all against a baseline from the same run.
// Run after `npm run build` (needs nginx from Debian): node scripts/bench-nginx.mjs [--quick]
//
// - NGINX runs deploy/nginx/mcp-gateway.conf.template as shipped (round robin, no affinity, /main/ sub-path,
//   keep-alive upstream), on plain HTTP here (the TLS lines dropped: the client's TLS would cost more than
//   the hop being measured).
// - The replicas are `gateway run --transport streaming --peers <all>`, with no servers: the call is the
//   gateway's own `mcp-find` (limit 1), which runs the whole call pipeline and needs no Docker, so the
//   figures are the gateway's and NGINX's, not a container's.
// - Clients are 2025-era sessions opened through NGINX: with 3 replicas, round robin sends 2 requests in 3
//   to a replica that does not own the session, which relays it to the owner (src/gateway/http/cluster/).
//   The client is a minimal JSON-RPC-over-HTTP one (node:http, keep-alive), so it costs little.
// - Baseline: the same client straight to one gateway (no NGINX).
// Writes .tmp/bench-nginx.json.
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os, {tmpdir} from 'node:os'
import path from 'node:path'

import {cpuMs, freePort, log, percentile, ROOT, RUN_JS} from './lib/bench-lib.mjs'

const QUICK = process.argv.includes('--quick')
const SECONDS = QUICK ? 5 : 15
const LATENCY_CALLS = QUICK ? 300 : 1000
const CLIENTS = 32
const TOKEN = 'bench-nginx-token-0123456789abcdef'
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => {
  try {
    return readFileSync(p).length > 0
  } catch {
    return false
  }
})
if (!NGINX) throw new Error('nginx is not installed (apt-get install nginx)')

/** CPU time of a process so far, in ms; 0 once it is gone. */
const cpuMsOf = (pid) => {
  try {
    return cpuMs(pid)
  } catch {
    return 0
  }
}
const childrenOf = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
  } catch {
    return []
  }
}

const home = mkdtempSync(path.join(tmpdir(), 'bench-nginx-'))
mkdirSync(path.join(home, '.docker'))
const started = []
const stopAll = async () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGTERM')
  await Promise.all(started.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)))
}

async function startReplicas(n) {
  const ports = await Promise.all(Array.from({length: n}, freePort))
  const peers = ports.map((p) => `127.0.0.1:${p}`).join(',')
  const procs = ports.map((port) => {
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
        '--no-watch',
        '--metrics',
      ].concat(n > 1 ? ['--peers', peers] : []),
      {
        env: {
          ...process.env,
          HOME: home,
          DOCKER_CONFIG: path.join(home, '.docker'),
          MCP_GATEWAY_AUTH_TOKEN: TOKEN,
        },
        stdio: ['ignore', 'ignore', 'ignore'],
      },
    )
    started.push(child)
    return child
  })
  for (const port of ports) {
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/ready`).then(
        (r) => r.ok,
        () => false,
      )
      if (ok) break
      if (i > 600) throw new Error(`replica on ${port} not ready`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {ports, procs}
}

async function startNginx(ports) {
  const dir = path.join(home, `nginx-${ports.join('-')}`)
  mkdirSync(dir)
  const port = await freePort()
  const template = readFileSync(path.join(ROOT, 'deploy/nginx/mcp-gateway.conf.template'), 'utf8')
  const site = template
    .replace(
      '${GATEWAY_UPSTREAMS}',
      ports.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n    '),
    )
    .replace(/listen \$\{NGINX_LISTEN\} ssl;/, `listen 127.0.0.1:${port};`)
    .replace(/^\s*ssl_.*$/gm, '')
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off;\nworker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\n` +
      `events { worker_connections 1024; }\nhttp {\n  access_log off;\n` +
      `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;\n` +
      `  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;\n${site}\n}\n`,
  )
  const child = spawn(NGINX, ['-c', path.join(dir, 'nginx.conf'), '-p', dir], {stdio: 'ignore'})
  started.push(child)
  for (let i = 0; ; i++) {
    const ok = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)))
      s.once('error', () => r(false))
    })
    if (ok) break
    if (i > 100) throw new Error('nginx did not start')
    await new Promise((r) => setTimeout(r, 50))
  }
  return {base: `http://127.0.0.1:${port}/main`, child}
}

const agent = new http.Agent({keepAlive: true, maxSockets: 256})
/** One JSON-RPC request over Streamable HTTP; the answer is JSON or one SSE event. */
function post(base, body, session) {
  return new Promise((resolve, reject) => {
    const url = new URL(`${base}/mcp`)
    const payload = JSON.stringify(body)
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': Buffer.byteLength(payload),
          ...(session ? {'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18'} : {}),
        },
      },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          if (res.statusCode >= 400) return reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`))
          const data = text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '')
          resolve({session: res.headers['mcp-session-id'], message: data ? JSON.parse(data) : undefined})
        })
      },
    )
    req.once('error', reject)
    req.end(payload)
  })
}
async function openSession(base) {
  const {session} = await post(base, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: {name: 'bench-nginx', version: '1'},
    },
  })
  await post(base, {jsonrpc: '2.0', method: 'notifications/initialized'}, session)
  let id = 1
  return async () => {
    const {message} = await post(
      base,
      {
        jsonrpc: '2.0',
        id: id++,
        method: 'tools/call',
        params: {name: 'mcp-find', arguments: {query: 'dice', limit: 1}},
      },
      session,
    )
    if (message?.error) throw new Error(message.error.message)
  }
}

/** Sequential latency of one session per target, the targets interleaved in rounds of 50 calls. */
async function latencies(bases) {
  const sessions = await Promise.all(bases.map((base) => openSession(base)))
  for (const call of sessions) for (let i = 0; i < 100; i++) await call()
  const lat = bases.map(() => [])
  for (let round = 0; round < LATENCY_CALLS / 50; round++) {
    for (const [i, call] of sessions.entries()) {
      for (let n = 0; n < 50; n++) {
        const t = performance.now()
        await call()
        lat[i].push(performance.now() - t)
      }
    }
  }
  return lat.map((xs) => ({p50: percentile(xs, 50), p99: percentile(xs, 99)}))
}

/** 32 clients for SECONDS: calls/s and CPU per call of `pids` (gateways, NGINX). */
async function throughput(base, pids) {
  const clients = await Promise.all(Array.from({length: CLIENTS}, () => openSession(base)))
  for (const call of clients) await call()
  const cpu0 = pids().reduce((s, p) => s + cpuMsOf(p), 0)
  const deadline = performance.now() + SECONDS * 1000
  let calls = 0
  const t0 = performance.now()
  await Promise.all(
    clients.map(async (call) => {
      while (performance.now() < deadline) {
        await call()
        calls++
      }
    }),
  )
  const elapsed = (performance.now() - t0) / 1000
  const cpu = pids().reduce((s, p) => s + cpuMsOf(p), 0) - cpu0
  return {callsPerSec32: calls / elapsed, cpuMsPerCall: cpu / calls}
}

const results = {load: {start: os.loadavg()[0]}}
try {
  const one = await startReplicas(1)
  const nginx1 = await startNginx(one.ports)
  const three = await startReplicas(3)
  const nginx3 = await startNginx(three.ports)
  const withNginx = (n, procs) => () => [...procs.map((p) => p.pid), n.child.pid, ...childrenOf(n.child.pid)]
  const targets = [
    ['direct', 'direct to 1 gateway', `http://127.0.0.1:${one.ports[0]}`, () => one.procs.map((p) => p.pid)],
    ['nginx1', 'NGINX -> 1 replica', nginx1.base, withNginx(nginx1, one.procs)],
    ['nginx3', 'NGINX -> 3 replicas', nginx3.base, withNginx(nginx3, three.procs)],
  ]
  const lat = await latencies(targets.map(([, , base]) => base))
  for (const [i, [key, label, base, pids]] of targets.entries()) {
    results[key] = {...lat[i], ...(await throughput(base, pids))}
    const r = results[key]
    log(
      `  ${label.padEnd(22)} p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  ` +
        `${r.callsPerSec32.toFixed(0)} calls/s (32 clients)  CPU ${r.cpuMsPerCall.toFixed(2)} ms/call`,
    )
  }
  // Where the 32 sessions live: each replica's sessions gauge.
  results.sessionsPerReplica = await Promise.all(
    three.ports.map(async (port) => {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: {authorization: `Bearer ${TOKEN}`},
      }).then((r) => (r.ok ? r.text() : ''))
      return Number(/^mcp_gateway_sessions (\d+)/m.exec(text)?.[1] ?? NaN)
    }),
  )
  results.load.end = os.loadavg()[0]
  const r = results
  log('')
  log(
    `NGINX hop (p50 / p99 added to a direct call): +${(r.nginx1.p50 - r.direct.p50).toFixed(2)} ms / +${(r.nginx1.p99 - r.direct.p99).toFixed(2)} ms`,
  )
  log(
    `3 replicas vs 1 behind NGINX, calls/s: ${(r.nginx3.callsPerSec32 / r.nginx1.callsPerSec32).toFixed(2)}x; vs direct: ${(r.nginx1.callsPerSec32 / r.direct.callsPerSec32).toFixed(2)}x`,
  )
  log(
    `sequential p50 through NGINX to 3 replicas (2 in 3 relayed to the owner): ${r.nginx3.p50.toFixed(2)} ms (1 replica: ${r.nginx1.p50.toFixed(2)} ms)`,
  )
  log(`sessions per replica (metrics; 33 opened through NGINX): ${r.sessionsPerReplica.join(', ')}`)
  log(
    `load average: ${r.load.start.toFixed(1)} at start, ${r.load.end.toFixed(1)} at end (${os.cpus().length} cores)`,
  )
  mkdirSync(path.join(ROOT, '.tmp'), {recursive: true})
  writeFileSync(path.join(ROOT, '.tmp/bench-nginx.json'), JSON.stringify(results, null, 2))
} finally {
  await stopAll()
  agent.destroy()
  rmSync(home, {recursive: true, force: true})
}
