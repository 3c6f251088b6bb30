#!/usr/bin/env node
// CLI start-up (#21): `version`, `server ls`, `secret ls` and the gateway's `initialize` over stdio (no
// server enabled), each run directly (`node bin/run.js`), through the docker CLI with the npm launcher
// (scripts/install-plugin.sh) and, when built, through the docker CLI with the single file
// (dist/docker-mcp). Baselines from the same run, interleaved with the rest in every round:
//   - `node -e 0`: the machine's floor for any node program;
//   - `docker noop`: a shell-script plugin that prints one line, in the same DOCKER_CONFIG: the docker
//     CLI's own floor for a plugin command (its start, the `docker-cli-plugin-metadata` probe, the exec).
// The docker CLI's own part is then `docker noop`, and ours is the difference `docker mcp … − docker noop`.
// Each figure is the median of --runs (default 20) runs, measured in rounds (one run of each per round).
// With --servers N (default 3; 0 to skip) the gateway's `initialize` is also timed directly with N
// enabled servers of the test fixture image (`--catalog … --servers s1,…`, tools declared in the catalog,
// no listing cache): what it answers with then comes from the catalog, and the containers it starts to
// list them start after its answer (they are removed when stdin closes). Needs the fixture image
// (scripts/build-images.mjs --test); skipped without it.
// --only TEXT: only the targets whose name contains TEXT (and the two floors), e.g. --only initialize.
//   node scripts/bench-startup.mjs [--quick] [--runs N] [--root DIR] [--before DIR] [--servers N] [--only TEXT]
// --root: the checkout to measure (default this one). --before: another build (a copy of an older checkout
// with its bin/, dist/, package.json, oclif.manifest.json, scripts/install-plugin.sh and a node_modules
// link) measured in the same rounds, its rows marked "(before)". Needs `npm run build` (and
// `npm run build:binary` for the single-file rows).
// Writes .tmp/bench-startup.json (medians in ms).
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {
  FIXTURE,
  fixtureEntry,
  load1,
  log,
  median,
  printTable,
  ROOT,
  timeInitialize,
  writeCatalog,
  writeResults,
} from './lib/bench-lib.mjs'

const arg = (name) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const QUICK = process.argv.includes('--quick')
const RUNS = Number(arg('--runs') ?? (QUICK ? 7 : 20))
const root = path.resolve(arg('--root') ?? ROOT)
const before = arg('--before') && path.resolve(arg('--before'))
const SERVERS = Number(arg('--servers') ?? 3)
const loadStart = load1()
const haveFixture =
  SERVERS > 0 && spawnSync('docker', ['image', 'inspect', FIXTURE], {stdio: 'ignore'}).status === 0
if (SERVERS > 0 && !haveFixture)
  log(`- ${FIXTURE} is not built: the rows with ${SERVERS} servers are skipped`)

/** A throw-away HOME + DOCKER_CONFIG with the given plugin file, and the `noop` plugin beside it. */
function home(name, install) {
  const dir = mkdtempSync(path.join(tmpdir(), `docker-mcp-startup-${name}-`))
  const env = {...process.env, HOME: dir, DOCKER_CONFIG: path.join(dir, '.docker'), NO_COLOR: '1'}
  delete env.DOCKER_CLI_PLUGIN_SOCKET
  delete env.NODE_OPTIONS
  const plugins = path.join(env.DOCKER_CONFIG, 'cli-plugins')
  mkdirSync(plugins, {recursive: true})
  install(env, plugins)
  const noop = path.join(plugins, 'docker-noop')
  writeFileSync(
    noop,
    `#!/bin/sh\nif [ "$#" -eq 1 ] && [ "$1" = docker-cli-plugin-metadata ]; then\n` +
      `  printf '%s\\n' '{"SchemaVersion":"0.1.0","Vendor":"bench","Version":"0.0.0","ShortDescription":"prints one line"}'\n` +
      `  exit 0\nfi\necho 0.0.0\n`,
  )
  chmodSync(noop, 0o755)
  return {env, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

function timeRun(command, args, env) {
  const t = process.hrtime.bigint()
  const r = spawnSync(command, args, {env, stdio: ['ignore', 'ignore', 'pipe']})
  const elapsed = Number(process.hrtime.bigint() - t) / 1e6
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`)
  return elapsed
}

const COMMANDS = [['version'], ['server', 'ls'], ['secret', 'ls']]
// No flags: the servers enabled in the (empty) home, none. (`--servers ''` would take oclif's parser.)
const GATEWAY = ['gateway', 'run']
/** name -> () => ms (sync or async); every round runs each once, in this order. */
const targets = {}
const homes = []
for (const [dir, mark] of [[root, ''], ...(before ? [[before, ' (before)']] : [])]) {
  const runJs = path.join(dir, 'bin/run.js')
  const binary = path.join(dir, 'dist/docker-mcp')
  const launcher = home('launcher', (env) =>
    execFileSync('bash', [path.join(dir, 'scripts/install-plugin.sh')], {env, stdio: 'ignore'}),
  )
  const single = existsSync(binary)
    ? home('single', (_env, plugins) => copyFileSync(binary, path.join(plugins, 'docker-mcp')))
    : undefined
  homes.push(launcher, ...(single ? [single] : []))
  if (!mark) {
    targets['node -e 0'] = () => timeRun(process.execPath, ['-e', '0'], launcher.env)
    targets['docker noop'] = () => timeRun('docker', ['noop'], launcher.env)
  }
  for (const cmd of COMMANDS) {
    const k = cmd.join(' ')
    targets[`node bin/run.js ${k}${mark}`] = () => timeRun(process.execPath, [runJs, ...cmd], launcher.env)
    targets[`docker mcp ${k} (launcher)${mark}`] = () => timeRun('docker', ['mcp', ...cmd], launcher.env)
    if (single)
      targets[`docker mcp ${k} (single file)${mark}`] = () => timeRun('docker', ['mcp', ...cmd], single.env)
  }
  targets[`initialize: node bin/run.js gateway run${mark}`] = () =>
    timeInitialize(process.execPath, [runJs, ...GATEWAY], launcher.env)
  targets[`initialize: docker mcp gateway run (launcher)${mark}`] = () =>
    timeInitialize('docker', ['mcp', ...GATEWAY], launcher.env)
  if (haveFixture) {
    const names = Array.from({length: SERVERS}, (_, i) => `s${i + 1}`)
    const catalog = writeCatalog(
      launcher.env.HOME,
      names.map((n) => fixtureEntry(n, {declared: true})),
    )
    const withServers = [...GATEWAY, '--catalog', catalog, '--servers', names.join(','), '--no-cache']
    targets[`initialize, ${SERVERS} servers: node bin/run.js gateway run${mark}`] = () =>
      timeInitialize(process.execPath, [runJs, ...withServers], launcher.env)
  }
  if (single)
    targets[`initialize: docker mcp gateway run (single file)${mark}`] = () =>
      timeInitialize('docker', ['mcp', ...GATEWAY], single.env)
}

const only = arg('--only')
if (only)
  for (const k of Object.keys(targets))
    if (!k.includes(only) && k !== 'node -e 0' && k !== 'docker noop') delete targets[k]
const times = Object.fromEntries(Object.keys(targets).map((k) => [k, []]))
try {
  log(
    `- start-up of ${root}${before ? ` and ${before} (before)` : ''}: ${RUNS} rounds of ${Object.keys(targets).length} (load ${load1()})`,
  )
  // One warm-up round (page cache; the single file writes its files on its first run).
  for (const f of Object.values(targets)) await f()
  for (let i = 0; i < RUNS; i++) for (const [k, f] of Object.entries(targets)) times[k].push(await f())
} finally {
  for (const h of homes) h.cleanup()
}

const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]))
const node0 = med['node -e 0']
const noop = med['docker noop']
const f = (v) => `${v.toFixed(0)} ms`
const rows = [
  ["node -e 0 (the machine's floor for node)", f(node0), ''],
  ["docker noop (the docker CLI's floor for a plugin)", f(noop), ''],
]
for (const [k, v] of Object.entries(med)) {
  if (k === 'node -e 0' || k === 'docker noop') continue
  const viaDocker = k.includes('docker mcp')
  rows.push([
    k,
    viaDocker
      ? `${f(v)} = docker noop + ${f(v - noop)} (${(v / noop).toFixed(2)}x)`
      : `${f(v)} = node -e 0 + ${f(v - node0)} (${(v / node0).toFixed(2)}x)`,
    viaDocker ? '<= 150 ms' : '',
  ])
}
const loadEnd = load1()
rows.push(['load average (1 min) at start / end', `${loadStart} / ${loadEnd}`, ''])
printTable(rows)
writeResults('bench-startup', {root, before, runs: RUNS, loadStart, loadEnd, medians: med, times})
