#!/usr/bin/env node
// Hot reload latency: a configuration file is written, how long until the client is told
// (notifications/tools/list_changed). Run after `npm run build` and `node scripts/build-images.mjs --test`:
//   node scripts/bench-reload.mjs [runs]
// Two measures, each the p50 of `runs` (default 20):
// - allowlist: tools.yaml rewritten (atomic rename) → told. No container starts: watcher debounce (300 ms),
//   re-reading every file, the diff and the notification.
// - server add: registry.yaml gains a server → told once its container started and was listed (the
//   container start dominates; fewer runs, it is slow).
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUN_JS = path.join(ROOT, 'bin/run.js')
const RUNS = Number(process.argv[2] ?? 20)
const FIXTURE = `docker-mcp-fixture:${process.env.DOCKER_MCP_TEST_TAG || 'test'}`

const home = mkdtempSync(path.join(tmpdir(), 'docker-mcp-bench-reload-'))
const env = {...process.env, HOME: home, DOCKER_CONFIG: path.join(home, '.docker'), NO_COLOR: '1'}
delete env.DOCKER_CLI_PLUGIN_SOCKET
const mcp = path.join(env.DOCKER_CONFIG, 'mcp')
mkdirSync(mcp, {recursive: true})
const server = (name) =>
  [
    `  ${name}:`,
    `    image: ${FIXTURE}`,
    '    env:',
    `      - {name: FIXTURE_TOOLS_PREFIX, value: ${name}_}`,
    '    tools:',
    `      - name: ${name}_echo`,
    `      - name: ${name}_whoami`,
  ].join('\n')
const catalog = path.join(home, 'bench.yaml')
writeFileSync(catalog, ['name: bench', 'registry:', server('alpha'), server('beta'), ''].join('\n'))
execFileSync(process.execPath, [RUN_JS, 'catalog', 'import', catalog], {env})
const atomic = (file, text) => {
  writeFileSync(`${file}.tmp`, text)
  renameSync(`${file}.tmp`, file)
}
atomic(path.join(mcp, 'registry.yaml'), 'registry:\n  alpha:\n    ref: ""\n')

const transport = new StdioClientTransport({
  command: process.execPath,
  args: [RUN_JS, 'gateway', 'run', '--no-cache'],
  env,
  stderr: 'pipe',
})
const client = new Client({name: 'bench-reload', version: '1'})
let waiter
client.setNotificationHandler('notifications/tools/list_changed', () => waiter?.())
await client.connect(transport)
await client.callTool({name: 'alpha_echo', arguments: {text: 'warm'}})

const told = (write) =>
  new Promise((resolve) => {
    const started = performance.now()
    waiter = () => {
      waiter = undefined
      resolve(performance.now() - started)
    }
    write()
  })
const settle = () => new Promise((r) => setTimeout(r, 500))
const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const allowlist = []
for (let i = 0; i < RUNS; i++) {
  const text = i % 2 === 0 ? 'alpha:\n  - alpha_echo\n' : 'alpha:\n  - alpha_echo\n  - alpha_whoami\n'
  allowlist.push(await told(() => atomic(path.join(mcp, 'tools.yaml'), text)))
  await settle()
}
const adds = []
for (let i = 0; i < Math.max(3, Math.round(RUNS / 4)); i++) {
  adds.push(
    await told(() =>
      atomic(path.join(mcp, 'registry.yaml'), 'registry:\n  alpha:\n    ref: ""\n  beta:\n    ref: ""\n'),
    ),
  )
  await settle()
  await told(() => atomic(path.join(mcp, 'registry.yaml'), 'registry:\n  alpha:\n    ref: ""\n'))
  await settle()
}
await client.close()
rmSync(home, {recursive: true, force: true})
const fmt = (xs) =>
  `p50 ${Math.round(p50(xs))} ms (min ${Math.round(Math.min(...xs))}, max ${Math.round(Math.max(...xs))}, n=${xs.length})`
console.log(`allowlist change (tools.yaml) → list_changed: ${fmt(allowlist)}`)
console.log(`server add (registry.yaml, container start + listing) → list_changed: ${fmt(adds)}`)
