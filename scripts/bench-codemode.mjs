#!/usr/bin/env node
// Code mode benchmark (issue #17): a script making 10 tool calls to a long-lived server, against the
// same 10 calls made by the client back to back, through the same stdio gateway; and what the sandbox
// costs to start. Target: the script ≤ 1.5× the client. Run after `npm run build` and
// `node scripts/build-images.mjs --test`:
//   node scripts/bench-codemode.mjs [--rounds N]
// Prints a table; writes the raw numbers to .tmp/bench-codemode.json.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUN_JS = path.join(ROOT, 'bin/run.js')
const FIXTURE = `docker-mcp-fixture:${process.env.DOCKER_MCP_TEST_TAG || 'test'}`
const at = process.argv.indexOf('--rounds')
const ROUNDS = at > 0 ? Number(process.argv[at + 1]) : 30
const CALLS = 10

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ms = (x) => `${x.toFixed(x < 10 ? 2 : 1)} ms`

// ---------------------------------------------------------------- the sandbox alone, in this process
const {warmSandbox, runScript} = await import(
  pathToFileURL(path.join(ROOT, 'dist/src/gateway/codemode/sandbox.js')).href
)
let t = performance.now()
// A worker thread started and QuickJS compiled in it (the gateway keeps one warm).
await warmSandbox()
const compileMs = performance.now() - t
const starts = []
for (let i = 0; i < 200; i++) {
  t = performance.now()
  const out = await runScript({script: 'return 1', globals: {}})
  starts.push(performance.now() - t)
  if (!out.ok) throw new Error(JSON.stringify(out))
}
const noop = async () => ({ok: true})
const bridged = []
for (let i = 0; i < 200; i++) {
  t = performance.now()
  await runScript({
    script: `for (let i = 0; i < ${CALLS}; i++) await t.f({i}); return 1`,
    globals: {t: {f: noop}},
  })
  bridged.push(performance.now() - t)
}

// ---------------------------------------------------------------- through the gateway
const home = mkdtempSync(path.join(tmpdir(), 'docker-mcp-bench-codemode-'))
const env = {...process.env, HOME: home, DOCKER_CONFIG: path.join(home, '.docker'), NO_COLOR: '1'}
delete env.DOCKER_CLI_PLUGIN_SOCKET
mkdirSync(path.join(env.DOCKER_CONFIG, 'mcp'), {recursive: true})
const catalog = path.join(home, 'bench.yaml')
writeFileSync(
  catalog,
  `version: 2\nname: bench\ndisplayName: Bench\nregistry:\n  bench:\n    title: Bench\n    description: long-lived fixture\n    type: server\n    image: ${FIXTURE}\n    longLived: true\n`,
)
// Enabled in registry.yaml: with --servers the internal tools are off.
writeFileSync(path.join(env.DOCKER_CONFIG, 'mcp', 'registry.yaml'), 'registry:\n  bench:\n    ref: ""\n')

const transport = new StdioClientTransport({
  command: process.execPath,
  args: [RUN_JS, 'gateway', 'run', '--catalog', catalog, '--no-cache', '--block-secrets'],
  env,
  stderr: 'ignore',
})
const client = new Client({name: 'bench-codemode', version: '1.0.0'})
let gateway
try {
  await client.connect(transport)
  const call = async (name, args) => {
    const r = await client.callTool({name, arguments: args})
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`)
    return r
  }
  // Warm: the container is running, the code-mode tool registered, QuickJS compiled.
  await call('echo', {text: 'warm'})
  await call('code-mode', {servers: ['bench'], name: 'bench'})
  const script = `for (let i = 0; i < ${CALLS}; i++) await bench.echo({text: 'call ' + i}); return ${CALLS}`
  t = performance.now()
  await call('code-mode-bench', {script})
  const firstRunMs = performance.now() - t

  const direct = []
  const viaScript = []
  for (let r = 0; r < ROUNDS; r++) {
    // Interleaved, so that both see the same machine load.
    t = performance.now()
    for (let i = 0; i < CALLS; i++) await call('echo', {text: `call ${i}`})
    direct.push(performance.now() - t)
    t = performance.now()
    await call('code-mode-bench', {script})
    viaScript.push(performance.now() - t)
  }
  gateway = {direct: median(direct), script: median(viaScript), firstRunMs}
} finally {
  await client.close().catch(() => {})
  rmSync(home, {recursive: true, force: true})
}

const results = {
  rounds: ROUNDS,
  calls: CALLS,
  quickjsCompileMs: compileMs,
  sandboxRunMedianMs: median(starts),
  sandbox10NoopCallsMedianMs: median(bridged),
  clientBackToBackMedianMs: gateway.direct,
  scriptMedianMs: gateway.script,
  ratio: gateway.script / gateway.direct,
  firstScriptRunMs: gateway.firstRunMs,
}
const rows = [
  ['worker start + QuickJS compile (in the background)', ms(compileMs)],
  ['sandbox start + `return 1` (fresh runtime, median)', ms(results.sandboxRunMedianMs)],
  [`sandbox, ${CALLS} calls to a no-op host function (median)`, ms(results.sandbox10NoopCallsMedianMs)],
  [`client: ${CALLS} echo calls back to back (median of ${ROUNDS})`, ms(gateway.direct)],
  [`code mode: one script making the same ${CALLS} calls (median)`, ms(gateway.script)],
  ['ratio script / client (target ≤ 1.5×)', `${results.ratio.toFixed(2)}×`],
]
const width = Math.max(...rows.map((r) => r[0].length))
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`)
mkdirSync(path.join(ROOT, '.tmp'), {recursive: true})
writeFileSync(path.join(ROOT, '.tmp/bench-codemode.json'), JSON.stringify(results, null, 2) + '\n')
