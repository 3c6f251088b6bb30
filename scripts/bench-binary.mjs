#!/usr/bin/env node
// Start-up of the single executable against the npm launcher (scripts/install-plugin.sh), both through
// the docker CLI as users and MCP clients run them: `docker mcp version` wall time and the gateway's
// first response to `initialize` on stdio (no server enabled). Median of 10 each, interleaved.
// Needs `npm run build:binary` first.   node scripts/bench-binary.mjs
import {spawn, spawnSync} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const tmp = mkdtempSync(path.join(tmpdir(), 'docker-mcp-bench-'))
const mk = (name) => {
  const home = path.join(tmp, name)
  mkdirSync(path.join(home, '.docker/cli-plugins'), {recursive: true})
  return {home, env: {...process.env, HOME: home, DOCKER_CONFIG: path.join(home, '.docker')}}
}
const bin = mk('binary')
copyFileSync(path.join(ROOT, 'dist/docker-mcp'), path.join(bin.home, '.docker/cli-plugins/docker-mcp'))
const launcher = mk('launcher')
spawnSync('bash', [path.join(ROOT, 'scripts/install-plugin.sh')], {env: launcher.env})
delete process.env.NODE_OPTIONS
const median = (a) => {
  const s = [...a].sort((x, y) => x - y)
  return (s[4] + s[5]) / 2
}
function timeVersion(env) {
  const t = process.hrtime.bigint()
  const r = spawnSync('docker', ['mcp', 'version'], {env})
  if (r.status !== 0) throw new Error(String(r.stderr))
  return Number(process.hrtime.bigint() - t) / 1e6
}
function timeInit(env) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint()
    const c = spawn('docker', ['mcp', 'gateway', 'run', '--servers', ''], {
      env: {...env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let out = '',
      err = '',
      ms
    const timer = setTimeout(() => {
      c.kill('SIGKILL')
      reject(new Error('timeout ' + err))
    }, 60000)
    c.stderr.on('data', (d) => (err += d))
    c.stdout.on('data', (d) => {
      out += d
      if (ms === undefined && out.includes('\n')) {
        ms = Number(process.hrtime.bigint() - t) / 1e6
        c.stdin.end()
      }
    })
    c.on('close', (code) => {
      clearTimeout(timer)
      if (ms === undefined) reject(new Error(`exit ${code}: ${err}`))
      else resolve(ms)
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
// warm both (first run of the binary extracts its files)
timeVersion(bin.env)
timeVersion(launcher.env)
await timeInit(bin.env)
await timeInit(launcher.env)
const res = {binVersion: [], launcherVersion: [], binInit: [], launcherInit: []}
for (let i = 0; i < 10; i++) {
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
rmSync(tmp, {recursive: true, force: true})
