import assert from 'node:assert/strict'
import {mkdir, readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {makeSandbox, ROOT, runCli, type Sandbox} from '../helpers/sandbox.js'

let sandbox: Sandbox
let mcp: string
// OCLIF_COLUMNS: error messages on one line, so they can be matched exactly.
const cli = (args: string[]) => runCli(sandbox, args, {env: {OCLIF_COLUMNS: '1000'}, cwd: sandbox.home})
const read = (rel: string) => readFile(path.join(mcp, rel), 'utf8')
const write = async (rel: string, text: string) => {
  await mkdir(path.dirname(path.join(mcp, rel)), {recursive: true})
  await writeFile(path.join(mcp, rel), text)
}
const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  )

before(async () => {
  sandbox = await makeSandbox()
  mcp = path.join(sandbox.dockerConfig, 'mcp')
})
after(() => sandbox.cleanup())

test('disable without --server finds the owner in the catalogs and writes the rest of its tools, sorted', async () => {
  const r = await cli(['tools', 'disable', 'flip_coin'])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout, 'dice: disabled flip_coin; allowed: roll_dice\n')
  assert.equal(await read('tools.yaml'), 'dice: [roll_dice]\n')
})

test('enable adds to an existing allowlist; lists stay sorted', async () => {
  const r = await cli(['tools', 'enable', 'flip_coin'])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout, 'dice: enabled flip_coin; allowed: flip_coin, roll_dice\n')
  assert.equal(await read('tools.yaml'), 'dice: [flip_coin, roll_dice]\n')
})

test('enable on a server without an allowlist changes nothing (all its tools are enabled)', async () => {
  const r = await cli(['tools', 'enable', 'get_current_time', '--json'])
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(JSON.parse(r.stdout), [{server: 'time', tools: ['get_current_time'], changed: false}])
  assert.equal(await read('tools.yaml'), 'dice: [flip_coin, roll_dice]\n')
})

test('unknown tools are errors with suggestions; nothing is written', async () => {
  const r = await cli(['tools', 'disable', 'roll_dcie'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /no server in the catalogs has a tool "roll_dcie"/)
  assert.match(r.stderr, /did you mean "roll_dice"\?/)
  const withServer = await cli(['tools', 'disable', 'search', '--server', 'dice'])
  assert.equal(withServer.code, 1)
  assert.match(withServer.stderr, /server "dice" has no tool "search"/)
  const noServer = await cli(['tools', 'disable', 'x', '--server', 'dcie'])
  assert.equal(noServer.code, 1)
  assert.match(noServer.stderr, /server "dcie" not found in any catalog/)
  assert.equal(await read('tools.yaml'), 'dice: [flip_coin, roll_dice]\n')
})

test('a tool offered by two servers in different catalogs is ambiguous; --server settles it', async () => {
  const team = path.join(sandbox.home, 'team.yaml')
  await writeFile(
    team,
    'name: team\nregistry:\n  searcher:\n    image: x\n    tools: [{name: search}, {name: lookup}]\n',
  )
  assert.equal((await cli(['catalog', 'import', team])).code, 0)
  const r = await cli(['tools', 'disable', 'search'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /tool "search" is provided by several servers: duckduckgo, searcher/)
  assert.match(r.stderr, /docker mcp tools enable search --server duckduckgo/)
  const settled = await cli(['tools', 'disable', 'search', '--server', 'searcher'])
  assert.equal(settled.code, 0, settled.stderr)
  assert.equal(await read('tools.yaml'), 'dice: [flip_coin, roll_dice]\nsearcher: [lookup]\n')
  // Disabling the last tool leaves an empty allowlist: no tools at all.
  assert.equal((await cli(['tools', 'disable', 'lookup'])).code, 0)
  assert.equal(await read('tools.yaml'), 'dice: [flip_coin, roll_dice]\nsearcher: []\n')
})

test('comments in a tools.yaml the user edited are kept', async () => {
  await write(
    'tools.yaml',
    '# Allowlists.\ngithub-official: [get_me, create_issue] # minimal\n\n# games\ndice: [roll_dice]\n',
  )
  assert.equal((await cli(['tools', 'enable', 'search_code'])).code, 0)
  assert.equal(
    await read('tools.yaml'),
    '# Allowlists.\ngithub-official: [create_issue, get_me, search_code] # minimal\n\n# games\ndice: [roll_dice]\n',
  )
})

test('tools.yaml written by the original (block lists) loads and is edited', async () => {
  await write('tools.yaml', 'duckduckgo:\n  - search\n  - fetch_content\n')
  const r = await cli(['tools', 'disable', 'fetch_content'])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(await read('tools.yaml'), 'duckduckgo: [search]\n')
  const inspect = JSON.parse((await cli(['server', 'inspect', 'duckduckgo', '--json'])).stdout)
  assert.deepEqual(
    inspect.tools.map((t: {name: string; enabled: boolean}) => [t.name, t.enabled]),
    [
      ['search', true],
      ['fetch_content', false],
    ],
  )
})

test('a tools.yaml we cannot parse is never overwritten', async () => {
  const broken = 'dice: [roll_dice\n'
  await write('tools.yaml', broken)
  const r = await cli(['tools', 'disable', 'roll_dice'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /tools\.yaml:2:1: invalid YAML/)
  assert.equal(await read('tools.yaml'), broken)
  await write('tools.yaml', 'dice: roll_dice\n')
  const shape = await cli(['tools', 'enable', 'roll_dice'])
  assert.equal(shape.code, 1)
  assert.match(shape.stderr, /tools\.yaml:1:1: dice: expected a list, got the string "roll_dice"/)
  assert.equal(await read('tools.yaml'), 'dice: roll_dice\n')
  assert.equal(await exists(path.join(ROOT, 'tools.yaml')), false)
})
