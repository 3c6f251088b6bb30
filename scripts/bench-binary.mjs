#!/usr/bin/env node
// Start-up of the single executable against the npm launcher (scripts/install-plugin.sh), both through
// the docker CLI as users and MCP clients run them: `docker mcp version` wall time and the gateway's
// first response to `initialize` on stdio (no server enabled). Median of 10 each, interleaved.
// Needs `npm run build:binary` first.   node scripts/bench-binary.mjs [--quick]
// Writes .tmp/bench-binary.json (medians in ms).
import {spawnSync} from 'node:child_process'
import {copyFileSync, mkdirSync, statSync} from 'node:fs'
import path from 'node:path'

import {benchHome, load1, median, ROOT, timeInitialize, writeResults} from './lib/bench-lib.mjs'

const RUNS = process.argv.includes('--quick') ? 5 : 10
const loadStart = load1()
const bin = benchHome('bench-binary')
mkdirSync(path.join(bin.env.DOCKER_CONFIG, 'cli-plugins'), {recursive: true})
copyFileSync(path.join(ROOT, 'dist/docker-mcp'), path.join(bin.env.DOCKER_CONFIG, 'cli-plugins/docker-mcp'))
const launcher = benchHome('bench-launcher', {installPlugin: true})
delete process.env.NODE_OPTIONS
delete bin.env.NODE_OPTIONS
delete launcher.env.NODE_OPTIONS
function timeVersion(env) {
  const t = process.hrtime.bigint()
  const r = spawnSync('docker', ['mcp', 'version'], {env})
  if (r.status !== 0) throw new Error(String(r.stderr))
  return Number(process.hrtime.bigint() - t) / 1e6
}
// No flags, no server enabled in the empty home: `--servers ''` would be parsed by oclif, not the fast path.
const timeInit = (env) => timeInitialize('docker', ['mcp', 'gateway', 'run'], {...env})
// warm both (first run of the binary extracts its files)
timeVersion(bin.env)
timeVersion(launcher.env)
await timeInit(bin.env)
await timeInit(launcher.env)
const res = {binVersion: [], launcherVersion: [], binInit: [], launcherInit: []}
for (let i = 0; i < RUNS; i++) {
  res.binVersion.push(timeVersion(bin.env))
  res.launcherVersion.push(timeVersion(launcher.env))
  res.binInit.push(await timeInit(bin.env))
  res.launcherInit.push(await timeInit(launcher.env))
}
console.log(
  `binary size: ${statSync(path.join(ROOT, 'dist/docker-mcp')).size} bytes (${(statSync(path.join(ROOT, 'dist/docker-mcp')).size / 1048576).toFixed(1)} MiB)`,
)
for (const [k, v] of Object.entries(res))
  console.log(k, 'median', median(v).toFixed(1), 'ms', 'all', v.map((x) => x.toFixed(0)).join(','))
bin.cleanup()
launcher.cleanup()
writeResults('bench-binary', {
  loadStart,
  loadEnd: load1(),
  sizeBytes: statSync(path.join(ROOT, 'dist/docker-mcp')).size,
  ...Object.fromEntries(Object.entries(res).map(([k, v]) => [k, median(v)])),
  runs: res,
})
