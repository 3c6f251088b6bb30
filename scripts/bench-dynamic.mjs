#!/usr/bin/env node
// Dynamic tools benchmark (issue #17). Run `npm run build` first; needs the engine and dice-mcp-server.
//
//   node scripts/bench-dynamic.mjs
//
// 1. tools/list with dynamic tools on and nothing enabled, over a real stdio gateway, with 10 and with 1,000
//    synthetic catalog entries: bytes of the JSON result, tokens (gpt-tokenizer, o200k), next to the list
//    of every server of the shipped catalog (catalogs/docker-mcp.yaml, its declared tools).
// 2. mcp-find over 1,000 entries, p50/p95 inside the gateway process: the internal tool's answer (the very
//    function the gateway calls as the last pipeline step), timed in this process over the same modules;
//    and the round trip a client sees over stdio.
// 3. mcp-add of dice (image present): time to first callable (mcp-add + roll_dice) vs dice's own cold start
//    (`docker run -i --rm` + initialize + the same call).
import {mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'
import {countTokens} from 'gpt-tokenizer'
import {parse} from 'yaml'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUN_JS = path.join(ROOT, 'bin/run.js')
const DICE = 'dice-mcp-server:latest'

const WORDS =
  'search files notes git issues weather maps calendar mail chat slack database sql redis cache queue browser fetch scrape translate image video audio pdf docs wiki tickets deploy cloud storage'.split(
    ' ',
  )

function syntheticCatalog(n) {
  const lines = ['version: 2', `name: synthetic-${n}`, `displayName: Synthetic ${n}`, 'registry:']
  for (let i = 0; i < n; i++) {
    const a = WORDS[i % WORDS.length]
    const b = WORDS[(i * 7 + 3) % WORDS.length]
    lines.push(
      `  server-${i}-${a}:`,
      `    title: ${a} ${b} ${i}`,
      `    description: Synthetic server ${i} that does ${a} and ${b} things`,
      '    type: server',
      `    image: ${DICE}`,
      '    tools:',
      `      - name: ${a}_${i}`,
      `        description: Do ${a} for entry ${i}`,
      `      - name: ${b}_${i}`,
      `        description: Do ${b} for entry ${i}`,
    )
  }
  lines.push(
    '  dice:',
    '    title: Dice',
    '    description: Roll dice',
    '    type: server',
    `    image: ${DICE}`,
    '    tools:',
    '      - name: roll_dice',
    '        description: Roll some dice',
    '',
  )
  return lines.join('\n')
}

function sandbox() {
  const home = mkdtempSync(path.join(tmpdir(), 'bench-dynamic-'))
  mkdirSync(path.join(home, '.docker', 'mcp'), {recursive: true})
  const env = {...process.env, HOME: home, DOCKER_CONFIG: path.join(home, '.docker'), NO_COLOR: '1'}
  delete env.MCP_GATEWAY_AUTH_TOKEN
  return {home, env, cleanup: () => rmSync(home, {recursive: true, force: true})}
}

async function gateway(box, args) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [RUN_JS, 'gateway', 'run', ...args],
    env: box.env,
    stderr: 'ignore',
  })
  const client = new Client({name: 'bench', version: '1'})
  await client.connect(transport)
  return client
}

const size = (value) => {
  const json = JSON.stringify(value)
  return {bytes: Buffer.byteLength(json), tokens: countTokens(json)}
}
const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]
const ms = (x) => `${x.toFixed(2)} ms`

async function listSizes() {
  const out = {}
  for (const n of [10, 1000]) {
    const box = sandbox()
    const file = path.join(box.home, 'catalog.yaml')
    writeFileSync(file, syntheticCatalog(n))
    writeFileSync(path.join(box.home, 'registry.yaml'), 'registry: {}\n')
    const client = await gateway(box, [
      '--catalog',
      file,
      '--registry',
      path.join(box.home, 'registry.yaml'),
      '--no-watch',
      '--no-cache',
    ])
    out[`dynamic on, nothing enabled, ${n} entries`] = size(await client.listTools())
    if (n === 1000) {
      const times = []
      for (let i = 0; i < 100; i++) {
        const t = performance.now()
        await client.callTool({name: 'mcp-find', arguments: {query: WORDS[i % WORDS.length], limit: 10}})
        times.push(performance.now() - t)
      }
      out.findRoundTrip = {p50: pct(times, 50), p95: pct(times, 95)}
    }
    await client.close()
    box.cleanup()
  }
  // Every server of the shipped catalog, as their tools would be listed (their declared tools).
  const {toolsFromCatalog} = await import(path.join(ROOT, 'dist/src/gateway/catalog-tools.js'))
  const shipped = parse(readFileSync(path.join(ROOT, 'catalogs/docker-mcp.yaml'), 'utf8'))
  const tools = Object.values(shipped.registry).flatMap((e) => toolsFromCatalog(e.tools) ?? [])
  out[
    `every server of the shipped catalog (${Object.keys(shipped.registry).length} servers, ${tools.length} tools)`
  ] = size({tools})
  return out
}

/** mcp-find's answer, in this process, over 1,000 entries: the function the gateway runs for the call. */
async function findInProcess() {
  const {dynamicTools} = await import(path.join(ROOT, 'dist/src/gateway/dynamic/index.js'))
  const {toolCall} = await import(path.join(ROOT, 'dist/src/gateway/pipeline/call.js'))
  const catalog = parse(syntheticCatalog(1000)).registry
  const servers = new Map(
    Object.entries(catalog).map(([name, entry]) => [name, {name, entry, catalog: 'x', file: 'x'}]),
  )
  const tools = dynamicTools({
    catalog: async () => servers,
    secrets: {has: async () => false},
    fileConfig: async () => ({}),
    enabled: () => new Set(),
    toolFilter: () => true,
    prefixAll: false,
  })
  tools.attach({toolNames: [], listingOf: () => undefined})
  const session = {id: 'bench', caller: {id: 'local', via: 'local', name: 'local'}, ephemeral: false}
  const target = tools.layer.find(session, 'mcp-find')
  const run = (query) =>
    target.answer(
      toolCall({
        session: 'bench',
        caller: session.caller,
        name: 'mcp-find',
        server: 'x',
        tool: 'mcp-find',
        arguments: {query, limit: 10},
        via: 'sdk',
      }),
      {session, ctx: {}},
    )
  const first = performance.now()
  await run('warm up')
  const build = performance.now() - first
  const times = []
  for (let i = 0; i < 1000; i++) {
    const query = `${WORDS[i % WORDS.length]} ${WORDS[(i * 3) % WORDS.length]}`
    const t = performance.now()
    await run(query)
    times.push(performance.now() - t)
  }
  return {firstCallWithIndexBuild: build, p50: pct(times, 50), p95: pct(times, 95)}
}

async function addVsColdStart() {
  const runs = 3
  const add = []
  const cold = []
  for (let i = 0; i < runs; i++) {
    const box = sandbox()
    const file = path.join(box.home, 'catalog.yaml')
    writeFileSync(file, syntheticCatalog(10))
    writeFileSync(path.join(box.home, 'registry.yaml'), 'registry: {}\n')
    const client = await gateway(box, [
      '--catalog',
      file,
      '--registry',
      path.join(box.home, 'registry.yaml'),
      '--no-watch',
      '--no-cache',
    ])
    await client.listTools()
    let t = performance.now()
    const r = await client.callTool({name: 'mcp-add', arguments: {name: 'dice'}})
    if (r.isError) throw new Error(JSON.stringify(r))
    await client.callTool({name: 'roll_dice', arguments: {sides: 6}})
    add.push(performance.now() - t)
    await client.close()
    box.cleanup()

    t = performance.now()
    const direct = new Client({name: 'bench', version: '1'})
    await direct.connect(
      new StdioClientTransport({
        command: 'docker',
        args: ['run', '-i', '--rm', '--label', 'bench-dynamic=1', DICE],
        stderr: 'ignore',
      }),
    )
    await direct.listTools()
    await direct.callTool({name: 'roll_dice', arguments: {sides: 6}})
    cold.push(performance.now() - t)
    await direct.close()
  }
  return {addToFirstCallable: pct(add, 50), serverColdStart: pct(cold, 50), runs}
}

const lists = await listSizes()
console.log('tools/list sizes:')
for (const [k, v] of Object.entries(lists))
  if (v.bytes) console.log(`  ${k}: ${v.bytes} bytes, ${v.tokens} tokens`)
console.log(
  `mcp-find round trip over stdio, 1,000 entries: p50 ${ms(lists.findRoundTrip.p50)}, p95 ${ms(lists.findRoundTrip.p95)}`,
)
const find = await findInProcess()
console.log(
  `mcp-find in the gateway process, 1,000 entries: p50 ${ms(find.p50)}, p95 ${ms(find.p95)} (first call, index built: ${ms(find.firstCallWithIndexBuild)})`,
)
const add = await addVsColdStart()
console.log(
  `mcp-add dice to first callable: ${ms(add.addToFirstCallable)} (median of ${add.runs}); dice's own cold start (docker run + initialize + call): ${ms(add.serverColdStart)}`,
)
