// What the benchmark scripts share: a throw-away home directory with the plugin installed, the fixture
// catalog, percentiles, and gateways spawned over stdio or HTTP. Every figure a bench script prints is a
// ratio to a baseline measured in the same run; this module only does the setup they all repeat.
import {execFileSync, spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const RUN_JS = path.join(ROOT, 'bin/run.js')
export const FIXTURE = `docker-mcp-fixture:${process.env.DOCKER_MCP_TEST_TAG || 'test'}`

/** A temporary HOME/DOCKER_CONFIG (removed by `cleanup`), optionally with the npm launcher installed. */
export function benchHome(name, {installPlugin = false} = {}) {
  const home = mkdtempSync(path.join(tmpdir(), `docker-mcp-${name}-`))
  const env = {...process.env, HOME: home, DOCKER_CONFIG: path.join(home, '.docker'), NO_COLOR: '1'}
  delete env.DOCKER_CLI_PLUGIN_SOCKET
  mkdirSync(env.DOCKER_CONFIG, {recursive: true})
  if (installPlugin)
    execFileSync('bash', [path.join(ROOT, 'scripts/install-plugin.sh')], {env, stdio: 'ignore'})
  return {home, env, cleanup: () => rmSync(home, {recursive: true, force: true})}
}

/** A catalog entry for the test fixture image (`raw`: the SDK-free echo server, see the fixture's raw-echo.ts). */
export function fixtureEntry(name, {longLived = false, raw = false, prefix, declared = false} = {}) {
  return (
    `  ${name}:\n    title: ${name}\n    description: fixture ${name}\n    type: server\n    image: ${FIXTURE}\n` +
    (longLived ? '    longLived: true\n' : '') +
    (prefix ? `    prefix: ${prefix}\n` : '') +
    (raw ? '    env:\n      - name: FIXTURE_RAW_ECHO\n        value: "1"\n' : '') +
    (declared
      ? '    tools:\n      - name: echo\n        description: Return the text unchanged\n        arguments:\n          - name: text\n            type: string\n'
      : '')
  )
}

/**
 * `docker run -i` of the fixture (its raw echo with `raw`): the same server spoken to with no gateway, the
 * baseline of every per-call figure.
 */
export const directFixtureArgs = (raw = false) => [
  'run',
  '-i',
  '--rm',
  '--init',
  '--network',
  'none',
  ...(raw ? ['-e', 'FIXTURE_RAW_ECHO=1'] : []),
  FIXTURE,
]

/** Write a catalog of `entries` (strings from fixtureEntry) into `home`; returns its path. */
export function writeCatalog(home, entries) {
  const file = path.join(home, 'bench.yaml')
  writeFileSync(file, `version: 2\nname: bench\ndisplayName: Bench\nregistry:\n${entries.join('')}`)
  return file
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
export const median = (xs) => percentile(xs, 50)
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
export const log = (line) => process.stderr.write(line + '\n')
export const ms = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`

/** The 1-minute load average, noted at the start and end of every run (the machine is shared). */
export const load1 = () => Number(loadavg()[0].toFixed(2))

/** Median wall time of `runs` runs of a command (stdout/stderr ignored). */
export function timeSpawn(command, args, runs, options = {}) {
  const times = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    execFileSync(command, args, {stdio: 'ignore', ...options})
    times.push(performance.now() - t)
  }
  return median(times)
}

/** Resident set size of a process, in KiB (Linux). */
export function rssKiB(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1])
}
export const rssMiB = (pid) => rssKiB(pid) / 1024

/** CPU time (user + system) a process has used so far, in ms (Linux; clock ticks of 10 ms). */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** A TCP port free on 127.0.0.1 now (the gateway's --port flag takes no 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address()
      s.close(() => resolve(port))
    })
  })
}

/**
 * `node bin/run.js gateway run --transport streaming` on a free loopback port with a known token, waited
 * for until /health answers. `stop()` ends it with SIGTERM and waits for it.
 */
export async function httpGateway(
  env,
  args,
  {token = 'bench-token', nodeArgs = [], cwd, runJs = RUN_JS} = {},
) {
  const port = await freePort()
  const proc = spawn(
    process.execPath,
    [...nodeArgs, runJs, 'gateway', 'run', '--transport', 'streaming', '--port', String(port), ...args],
    {env: {...env, MCP_GATEWAY_AUTH_TOKEN: token}, stdio: ['ignore', 'ignore', 'pipe'], cwd},
  )
  let stderr = ''
  proc.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)))
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`)
      .then((r) => r.ok)
      .catch(() => false)
    if (ok) break
    if (proc.exitCode !== null || i > 300) throw new Error(`gateway did not start: ${stderr}`)
    await sleep(100)
  }
  return {
    proc,
    port,
    pid: proc.pid,
    auth: {authorization: `Bearer ${token}`},
    stderr: () => stderr,
    stop: async () => {
      if (proc.exitCode !== null) return
      proc.kill('SIGTERM')
      await new Promise((r) => proc.once('exit', r))
    },
  }
}

/** Write a bench script's figures to .tmp/<name>.json. */
export function writeResults(name, results) {
  mkdirSync(path.join(ROOT, '.tmp'), {recursive: true})
  const file = path.join(ROOT, '.tmp', `${name}.json`)
  writeFileSync(file, JSON.stringify(results, null, 2))
  return file
}

/** Print rows [measure, result, target] as an aligned table on stdout. */
export function printTable(rows) {
  const w = Math.max(...rows.map((x) => x[0].length))
  const w2 = Math.max(44, ...rows.map((x) => String(x[1]).length))
  console.log(`${'measure'.padEnd(w)}  ${'result'.padEnd(w2)}  target`)
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w)}  ${String(b).padEnd(w2)}  ${c ?? ''}`)
}

/**
 * JSON-RPC lines over a child's stdio, no SDK and no validation: the cheapest client there is, so that a
 * figure is the relay's and the server's, never a client library's. `onSpawn` sees the child (to stop it).
 */
export async function rawStdioClient(command, args, env, {onSpawn} = {}) {
  const child = spawn(command, args, {env, stdio: ['pipe', 'pipe', 'ignore']})
  onSpawn?.(child)
  const pending = new Map()
  let seq = 0
  let parts = []
  child.stdout.on('data', (chunk) => {
    let start = 0
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      parts.push(chunk.subarray(start, nl))
      const message = JSON.parse(Buffer.concat(parts).toString())
      parts = []
      start = nl + 1
      pending.get(message.id)?.(message)
      pending.delete(message.id)
    }
    if (start < chunk.length) parts.push(chunk.subarray(start))
  })
  const request = (method, params) =>
    new Promise((resolve, reject) => {
      const id = ++seq
      pending.set(id, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)))
      child.stdin.write(`${JSON.stringify({method, params, jsonrpc: '2.0', id})}\n`)
    })
  await request('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: {name: 'bench', version: '1'},
  })
  child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
  return {
    pid: child.pid,
    callTool: ({name, arguments: args}) => request('tools/call', {name, arguments: args}),
    close: () => {
      child.stdin.end()
      return new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve()))
    },
  }
}

/** `n` calls of `echo {text: 'x'}` one after the other: each one's time in ms. */
export async function echoTimes(client, n) {
  const times = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await client.callTool({name: 'echo', arguments: {text: 'x'}})
    times.push(performance.now() - t)
  }
  return times
}

/** `total` calls of `echo {text: 'x'}`, `inFlight` at a time: calls per second. */
export async function echoRate(client, total, inFlight) {
  let next = 0
  const t = performance.now()
  await Promise.all(
    Array.from({length: inFlight}, async () => {
      while (next < total) {
        next++
        await client.callTool({name: 'echo', arguments: {text: 'x'}})
      }
    }),
  )
  return total / ((performance.now() - t) / 1000)
}

/** Spawn to the first line on stdout after writing `initialize` (what an MCP client waits for). */
export function timeInitialize(command, args, env) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint()
    const c = spawn(command, args, {env, stdio: ['pipe', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    let elapsed
    const timer = setTimeout(() => {
      c.kill('SIGKILL')
      reject(new Error(`no answer to initialize in 60 s: ${err}`))
    }, 60_000)
    c.stderr.on('data', (d) => (err = (err + d).slice(-4000)))
    c.stdout.on('data', (d) => {
      out += d
      if (elapsed === undefined && out.includes('\n')) {
        elapsed = Number(process.hrtime.bigint() - t) / 1e6
        c.stdin.end()
      }
    })
    c.on('close', (code) => {
      clearTimeout(timer)
      if (elapsed === undefined) reject(new Error(`exit ${code} before initialize answered: ${err}`))
      else resolve(elapsed)
    })
    c.stdin.write(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 'bench', version: '1'}},
      }) + '\n',
    )
  })
}
