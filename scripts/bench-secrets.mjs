#!/usr/bin/env node
// What `--block-secrets` costs. Run after `npm run build` and `node scripts/build-images.mjs --test`:
//   node scripts/bench-secrets.mjs [--quick]
// 1. The scanner alone on 1 MiB of JSON text (code, prose, random base64, one repeated letter, and inputs
//    built to make a backtracking regular expression engine slow), next to JSON.parse of the same text.
// 2. Through the real gateway, on the raw hot path (a running long-lived server, a 2025 stdio client): a
//    1 MiB argument echoed back (both directions scanned) and a 1 MiB result, blocking on vs off. The two
//    gateways are called in alternation, so that whatever else the machine does weighs on both alike.
// Prints a table; writes the raw numbers to .tmp/bench-secrets.json.
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {randomBytes} from 'node:crypto'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUN_JS = path.join(ROOT, 'bin/run.js')
const QUICK = process.argv.includes('--quick')
const ROUNDS = QUICK ? 15 : 40
const FIXTURE = `docker-mcp-fixture:${process.env.DOCKER_MCP_TEST_TAG || 'test'}`
const MIB = 1024 * 1024
const results = {}
const log = (line) => process.stderr.write(line + '\n')
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

// ---------------------------------------------------------------- texts
/** 1 MiB of TypeScript's DOM declarations (ASCII only): third-party code, as a file-reading tool returns it. */
function codeText() {
  const text = readFileSync(path.join(ROOT, 'node_modules/typescript/lib/lib.dom.d.ts'), 'utf8')
  return text.replace(/[^\t\n\x20-\x7e]/g, '?').slice(0, MIB)
}
/**
 * The worst case: text in which every rule's keyword occurs, so that every rule runs (this repository's
 * source, whose rule file names them all).
 */
function ownCode() {
  let out = ''
  const walk = (dir) => {
    for (const e of readdirSync(dir, {withFileTypes: true})) {
      if (out.length >= MIB) return
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.ts')) out += readFileSync(p, 'utf8').replace(/[^\t\n\x20-\x7e]/g, '?')
    }
  }
  while (out.length < MIB) walk(path.join(ROOT, 'src'))
  return out.slice(0, MIB)
}
const words =
  'the key to any task is to ask what the public API returns when a live session skips the global blob index'.split(
    ' ',
  )
const prose = () => {
  let out = ''
  for (let i = 0; out.length < MIB; i++)
    out += words[(i * 7919) % words.length] + (i % 13 === 0 ? '.\n' : ' ')
  return out.slice(0, MIB)
}
const TEXTS = {
  code: codeText(),
  'code naming every keyword': ownCode(),
  prose: prose(),
  base64: randomBytes((MIB * 3) / 4).toString('base64'),
  'one letter': 'x'.repeat(MIB),
  // Built against backtracking: many starts of long tokens, keyword-bearing, without an end.
  'adversarial: eyeyey… with .eyJ': '.eyJ ' + 'ey'.repeat(MIB / 2 - 3),
  'adversarial: -----BEGIN…': ('-----BEGIN PRIVATE KEY-----' + 'A'.repeat(100)).repeat(MIB / 127),
  'adversarial: keyed words': 'facebook twitter discord heroku = "'.repeat(MIB / 35),
  'adversarial: sk-/T3BlbkFJ': ('sk-' + 'a'.repeat(150) + ' T3BlbkFJ ').repeat(MIB / 162),
}

// ---------------------------------------------------------------- 1. the scanner alone
const {SecretScanner} = await import(path.join(ROOT, 'dist/src/gateway/pipeline/secret-scan.js'))
const scanner = new SecretScanner({stored: [{name: 'bench.secret', value: 'b3nch-s3cret-value-0451'}]})
log('- The scanner on 1 MiB of JSON text (best of 15 runs, and JSON.parse of the same text)')
results.scanner = {}
for (const [name, text] of Object.entries(TEXTS)) {
  const json = JSON.stringify({text})
  let scan = Infinity
  let parse = Infinity
  let found
  for (let i = 0; i < 15; i++) {
    let t = performance.now()
    found = scanner.scan(json)
    scan = Math.min(scan, performance.now() - t)
    t = performance.now()
    JSON.parse(json)
    parse = Math.min(parse, performance.now() - t)
  }
  results.scanner[name] = {scanMs: scan, parseMs: parse, found: found?.rule}
}

// ---------------------------------------------------------------- 2. through the gateway
const home = mkdtempSync(path.join(tmpdir(), 'docker-mcp-bench-secrets-'))
const env = {...process.env, HOME: home, DOCKER_CONFIG: path.join(home, '.docker'), NO_COLOR: '1'}
delete env.DOCKER_CLI_PLUGIN_SOCKET
mkdirSync(env.DOCKER_CONFIG, {recursive: true})
const catalog = path.join(home, 'bench.yaml')
writeFileSync(
  catalog,
  `name: bench\nregistry:\n  bench:\n    title: Bench\n    description: long-lived fixture\n    image: ${FIXTURE}\n    longLived: true\n`,
)

async function gateway(extra) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      RUN_JS,
      'gateway',
      'run',
      '--catalog',
      catalog,
      '--servers',
      'bench',
      '--no-cache',
      '--no-log-calls',
      ...extra,
    ],
    env,
    stderr: 'ignore',
    maxBufferSize: 64 * MIB,
  })
  const client = new Client({name: 'bench-secrets', version: '1'})
  await client.connect(transport)
  // The first call starts the container; from the next one on, calls take the raw hot path.
  for (let i = 0; i < 10; i++) await client.callTool({name: 'echo', arguments: {text: 'warm'}})
  return client
}

const time = async (client, tool, args) => {
  const t = performance.now()
  await client.callTool({name: tool, arguments: args})
  return performance.now() - t
}

log('- Through the gateway (raw hot path): blocking on vs off, called in alternation')
const on = await gateway([])
const off = await gateway(['--block-secrets=false'])
try {
  const cases = {
    '1 MiB argument of code, echoed': ['echo', {text: TEXTS.code}],
    '1 MiB argument of one letter, echoed': ['echo', {text: TEXTS['one letter']}],
    '1 MiB argument naming every keyword, echoed': ['echo', {text: TEXTS['code naming every keyword']}],
    '1 MiB result (huge)': ['huge', {mib: 1}],
  }
  results.gateway = {}
  for (const [name, [tool, args]] of Object.entries(cases)) {
    for (let i = 0; i < 5; i++) await Promise.all([time(on, tool, args), time(off, tool, args)])
    const times = {on: [], off: []}
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 ? [on, off] : [off, on]
      for (const client of order) times[client === on ? 'on' : 'off'].push(await time(client, tool, args))
    }
    const p50 = {on: median(times.on), off: median(times.off)}
    results.gateway[name] = {onMs: p50.on, offMs: p50.off, ratio: p50.on / p50.off, rounds: ROUNDS}
  }
} finally {
  await on.close()
  await off.close()
  rmSync(home, {recursive: true, force: true})
}

// ---------------------------------------------------------------- report
const ms = (x) => `${x.toFixed(1)} ms`
const rows = [
  ['scanner, 1 MiB of JSON text', 'scan', 'JSON.parse', 'found'],
  ...Object.entries(results.scanner).map(([n, r]) => [n, ms(r.scanMs), ms(r.parseMs), r.found ?? '-']),
  [],
  ['gateway, raw hot path (p50)', 'blocking on', 'off', 'on / off (target <= 1.2)'],
  ...Object.entries(results.gateway).map(([n, r]) => [n, ms(r.onMs), ms(r.offMs), r.ratio.toFixed(2)]),
]
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
for (const r of rows) console.log(r.length ? r.map((c, i) => c.padEnd(widths[i])).join('  ') : '')
mkdirSync(path.join(ROOT, '.tmp'), {recursive: true})
writeFileSync(path.join(ROOT, '.tmp/bench-secrets.json'), JSON.stringify(results, null, 2))
