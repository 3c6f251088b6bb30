/**
 * The profile and template commands end to end through the CLI (no engine needed): create from a
 * template and connect a client with the original's arguments, list and show, config and tools, the
 * default profile in sync with the legacy commands, export/import of the original's format, a broken
 * profile file never overwritten, and `profile rm` of a profile a client uses.
 */
import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {makeSandbox, ROOT, runCli, type Sandbox} from '../helpers/sandbox.js'

let sandbox: Sandbox
let mcp: string
const cli = (args: string[]) => runCli(sandbox, args, {env: {OCLIF_COLUMNS: '1000'}, cwd: sandbox.home})
const json = async (args: string[]) => {
  const r = await cli([...args, '--json'])
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout)
}

before(async () => {
  sandbox = await makeSandbox()
  mcp = path.join(sandbox.dockerConfig, 'mcp')
})
after(() => sandbox.cleanup())

describe('templates and clients', () => {
  test('template ls lists the shipped starters (offline)', async () => {
    const r = await cli(['template', 'ls'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^ID +TITLE +SERVERS +DESCRIPTION\n/)
    assert.match(r.stdout, /^dice-demo +Dice demo +dice, time /m)
    const list = await json(['template', 'ls'])
    assert.deepEqual(
      list.map((t: {id: string}) => t.id),
      ['dev-tools', 'research', 'dice-demo'],
    )
  })

  test('template use --connect writes exactly the original arguments; client ls shows the profile', async () => {
    const r = await cli(['template', 'use', 'dice-demo', '--connect', 'cursor'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'Created profile dice-demo with 2 servers\nConnected to clients: cursor\n')
    const cursor = JSON.parse(await readFile(path.join(sandbox.home, '.cursor/mcp.json'), 'utf8'))
    assert.deepEqual(cursor.mcpServers.MCP_DOCKER, {
      command: 'docker',
      args: ['mcp', 'gateway', 'run', '--profile', 'dice-demo'],
    })
    const list = await json(['client', 'ls', '--global'])
    const c = list.clients.find((x: {id: string}) => x.id === 'cursor')
    assert.equal(c.profile, 'dice-demo')
    const human = await cli(['client', 'ls', '--global'])
    assert.match(human.stdout, /cursor .*connected +profile dice-demo: ~\/\.cursor\/mcp\.json/)
    // Using the same template again makes a second profile, as the original (ids get -2).
    assert.match(
      (await cli(['template', 'use', 'dice-demo'])).stdout,
      /^Created profile dice-demo-2 with 2 servers/,
    )
  })

  test('client connect --profile: a missing profile fails before the file is touched', async () => {
    const r = await cli(['client', 'connect', 'vscode', '--global', '--profile', 'nosuch'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /profile nosuch not found/)
    const ok = await cli(['client', 'connect', 'vscode', '--global', '-p', 'dice-demo-2'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /Connected Visual Studio Code to the Docker MCP gateway \(profile dice-demo-2\)/)
  })

  test('profile rm of a profile a client uses refuses without --force, naming the clients', async () => {
    const r = await cli(['profile', 'rm', 'dice-demo'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /profile dice-demo is used by cursor \(.*\.cursor\/mcp\.json\): not removed/)
    assert.match(r.stderr, /--force/)
    assert.equal((await cli(['profile', 'show', 'dice-demo'])).code, 0)
    const forced = await cli(['profile', 'rm', 'dice-demo', '--force'])
    assert.equal(forced.code, 0, forced.stderr)
    assert.match(forced.stdout, /^Removed profile dice-demo$/m)
    assert.match(forced.stderr, /still connected to it: cursor/)
    assert.match((await cli(['profile', 'rm', 'default'])).stderr, /the default profile cannot be removed/)
  })
})

describe('profiles', () => {
  test('create with references, ls, show, server ls', async () => {
    const r = await cli([
      'profile',
      'create',
      '--name',
      'Research desk',
      '--server',
      'catalog://docker-mcp/fetch+duck*',
      '--server',
      'docker://mcp/time:latest',
      '--server',
      'https://mcp.example.com/mcp',
    ])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'Created profile research-desk with 4 servers\n')
    const again = await cli(['profile', 'create', '--name', 'x', '--id', 'research-desk'])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /profile with id research-desk already exists/)
    const bad = await cli(['profile', 'create', '--name', 'x', '--server', 'catalog://docker-mcp/nosuchh'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /catalog "docker-mcp" has no server matching "nosuchh"/)
    const ls = await json(['profile', 'ls'])
    const desk = ls.find((p: {id: string}) => p.id === 'research-desk')
    assert.deepEqual(desk.servers, ['fetch', 'duckduckgo', 'time', 'mcp.example.com'])
    assert.match(
      (await cli(['profile', 'ls', '--format', 'yaml'])).stdout,
      /- id: research-desk\n {2}name: Research desk\n/,
    )
    const rows = await json(['profile', 'server', 'ls', '--filter', 'profile=research-desk'])
    assert.deepEqual(
      rows.map((x: {type: string; name: string}) => `${x.type} ${x.name}`),
      ['image duckduckgo', 'image fetch', 'remote mcp.example.com', 'image time'],
    )
    const file = await readFile(path.join(mcp, 'profiles/research-desk.yaml'), 'utf8')
    assert.match(file, /^version: 1\nid: research-desk\nname: Research desk\nservers:\n/)
  })

  test('server add/rm, config and tools', async () => {
    assert.match(
      (await cli(['profile', 'server', 'add', 'research-desk', '--server', 'catalog://docker-mcp/dice']))
        .stdout,
      /Added 1 server\(s\) to profile research-desk/,
    )
    const cfg = await cli([
      'profile',
      'config',
      'research-desk',
      '--set',
      'dice.sides=20',
      '--set',
      'fetch.ua="bot"',
    ])
    assert.equal(cfg.code, 0, cfg.stderr)
    assert.equal(cfg.stdout, 'dice.sides=20\nfetch.ua=bot\n')
    assert.deepEqual(await json(['profile', 'config', 'research-desk', '--get-all']), {
      'dice.sides': 20,
      'fetch.ua': 'bot',
    })
    const tools = await cli(['profile', 'tools', 'research-desk', '--disable', 'dice.flip_coin'])
    assert.equal(tools.stdout, 'Updated profile research-desk: 0 tool(s) enabled, 1 tool(s) disabled\n')
    const show = await json(['profile', 'show', 'research-desk'])
    const dice = show.servers.find(
      (s: {snapshot: {server: {name: string}}}) => s.snapshot.server.name === 'dice',
    )
    assert.deepEqual(dice.tools, ['roll_dice'])
    assert.deepEqual(dice.config, {sides: 20})
    const missing = await cli(['profile', 'config', 'research-desk', '--set', 'dcie.sides=1'])
    assert.match(missing.stderr, /server dcie not found in profile research-desk[\s\S]*did you mean "dice"/)
    assert.match(
      (await cli(['profile', 'server', 'rm', 'research-desk', 'dice'])).stdout,
      /Removed 1 server\(s\)/,
    )
  })

  test('a profile file that fails validation: file, line, field; never overwritten', async () => {
    const file = path.join(mcp, 'profiles/research-desk.yaml')
    const text = (await readFile(file, 'utf8')).replace('  - type: image\n', '  - type: imgae\n')
    await writeFile(file, text)
    const r = await cli(['profile', 'config', 'research-desk', '--set', 'fetch.ua=x'])
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /research-desk\.yaml:5:\d+: servers\[0\]\.type: expected one of "image", "registry", "remote", got the string "imgae"/,
    )
    assert.equal(await readFile(file, 'utf8'), text)
    assert.match((await cli(['profile', 'ls'])).stderr, /research-desk\.yaml:5/)
    await writeFile(file, text.replace('imgae', 'image'))
  })

  test("import of the original's export (YAML and JSON), export back: same servers, config, tools", async () => {
    const r = await cli(['profile', 'import', path.join(ROOT, 'test/fixtures/profiles/original-export.json')])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'Imported profile team\n')
    const out = path.join(sandbox.home, 'team.yaml')
    assert.equal((await cli(['profile', 'export', 'team', out])).code, 0)
    const exported = await readFile(out, 'utf8')
    assert.match(
      exported,
      /^version: 1\nid: team\nname: Team tools\nservers:\n {2}- type: image\n {4}config:\n {6}sides: 12\n {4}secrets: default\n {4}tools:\n {6}- roll_dice\n {4}image: dice-mcp-server:latest\n/,
    )
    const original = JSON.parse(
      await readFile(path.join(ROOT, 'test/fixtures/profiles/original-export.json'), 'utf8'),
    )
    const ours = await json(['profile', 'show', 'team'])
    const view = (p: {
      servers: Array<{snapshot: {server: {name: string}}; config?: unknown; tools?: unknown}>
    }) => p.servers.map((s) => [s.snapshot.server.name, s.config ?? null, s.tools ?? null])
    assert.deepEqual(view(ours), view(original))
    const bad = await cli(['profile', 'export', 'team', 'team.txt'])
    assert.equal(bad.code, 125)
    assert.match(bad.stderr, /unsupported file extension: team\.txt, must be \.yaml or \.json/)
  })
})

describe('the default profile and the legacy commands', () => {
  test('server add shows in default; profile server add default shows in server ls', async () => {
    assert.equal((await cli(['server', 'add', 'fetch'])).code, 0)
    const show = await json(['profile', 'show', 'default'])
    assert.deepEqual(
      show.servers.map((s: {snapshot: {server: {name: string}}}) => s.snapshot.server.name),
      ['fetch'],
    )
    assert.equal(
      (await cli(['profile', 'server', 'add', 'default', '--server', 'catalog://docker-mcp/time'])).code,
      0,
    )
    const servers = await json(['server', 'ls'])
    assert.deepEqual(servers.map((s: {name: string}) => s.name).sort(), ['fetch', 'time'])
    assert.equal((await cli(['profile', 'tools', 'default', '--disable', 'time.convert_time'])).code, 0)
    assert.equal(await readFile(path.join(mcp, 'tools.yaml'), 'utf8'), 'time: [get_current_time]\n')
  })

  test('gateway run --profile is exclusive with the legacy selection flags', async () => {
    const r = await cli(['gateway', 'run', '--profile', 'team', '--catalog', 'docker-mcp', '--dry-run'])
    assert.equal(r.code, 125)
    assert.match(r.stderr, /cannot use --profile with --catalog/)
  })
})
