import assert from 'node:assert/strict'
import {mkdir, readFile, stat, writeFile} from 'node:fs/promises'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {makeSandbox, ROOT, runCli, type Sandbox} from '../helpers/sandbox.js'

const FIXTURES = path.join(ROOT, 'test/fixtures/catalogs')
const fixture = (name: string) => path.join(FIXTURES, name)

let sandbox: Sandbox
let mcp: string
let server: http.Server
let base: string
/** A port nothing listens on: connections are refused at once, as on a machine without network. */
let closedPort: number
const served = new Map<string, {status: number; body: string}>()

// OCLIF_COLUMNS: error messages on one line, so they can be matched exactly.
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(sandbox, args, {env: {OCLIF_COLUMNS: '1000', ...env}, cwd: sandbox.home})
const read = (rel: string) => readFile(path.join(mcp, rel), 'utf8')
const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  )

before(async () => {
  sandbox = await makeSandbox()
  mcp = path.join(sandbox.dockerConfig, 'mcp')
  server = http.createServer((req, res) => {
    const hit = served.get(req.url ?? '')
    res.writeHead(hit?.status ?? 404, {'content-type': 'application/yaml'})
    res.end(hit?.body ?? 'not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const probe = http.createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  closedPort = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
})
after(async () => {
  server.close()
  await sandbox.cleanup()
})

describe('catalog ls / show on a fresh install (offline, nothing downloaded)', () => {
  test('ls lists the shipped Docker catalog; --json and --format give catalog.json structure', async () => {
    const human = await cli(['catalog', 'ls'])
    assert.equal(human.code, 0, human.stderr)
    assert.equal(human.stdout, 'docker-mcp: Docker MCP Catalog (shipped with docker-mcp)\n')
    const json = await cli(['catalog', 'ls', '--json'])
    assert.deepEqual(JSON.parse(json.stdout), {catalogs: {'docker-mcp': {displayName: 'Docker MCP Catalog'}}})
    const formatted = await cli(['catalog', 'ls', '--format', 'json'])
    assert.deepEqual(JSON.parse(formatted.stdout), JSON.parse(json.stdout))
    const yaml = await cli(['catalog', 'ls', '--format', 'yaml'])
    assert.equal(yaml.stdout, 'catalogs:\n  docker-mcp:\n    displayName: Docker MCP Catalog\n')
    // Listing writes nothing.
    assert.equal(await exists(mcp), false)
  })

  test('show lists the shipped servers, sorted, with descriptions; --json has name, displayName, registry', async () => {
    const human = await cli(['catalog', 'show'])
    assert.equal(human.code, 0, human.stderr)
    const lines = human.stdout.split('\n')
    assert.equal(lines[0], 'MCP Server Directory: Docker MCP Catalog')
    assert.equal(lines[1], '8 servers available')
    const names = lines.filter((l) => /^[a-z]/.test(l) && !l.includes(' '))
    assert.deepEqual(names, [
      'dice',
      'duckduckgo',
      'fetch',
      'filesystem',
      'github-official',
      'memory',
      'sequentialthinking',
      'time',
    ])
    const json = JSON.parse((await cli(['catalog', 'show', 'docker-mcp', '--json'])).stdout)
    assert.equal(json.name, 'docker-mcp')
    assert.equal(json.displayName, 'Docker MCP Catalog')
    assert.equal(json.registry.dice.image, 'dice-mcp-server:latest')
    assert.deepEqual(
      json.registry.dice.tools.map((t: {name: string}) => t.name),
      ['roll_dice', 'flip_coin'],
    )
    assert.equal(json.registry['github-official'].secrets[0].env, 'GITHUB_PERSONAL_ACCESS_TOKEN')
    const yaml = await cli(['catalog', 'show', '--format', 'yaml'])
    assert.match(yaml.stdout, /^name: docker-mcp\ndisplayName: Docker MCP Catalog\nregistry:\n {2}dice:\n/)
  })

  test('show of an unknown catalog suggests the closest', async () => {
    const r = await cli(['catalog', 'show', 'docker-mpc'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /catalog "docker-mpc" not found/)
    assert.match(r.stderr, /did you mean "docker-mcp"\?/)
  })

  test('the "catalogs" topic alias works', async () => {
    const r = await cli(['catalogs', 'ls'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^docker-mcp: /)
  })
})

describe('import, export, create, fork, add, rm', () => {
  test('init registers the Docker catalog without downloading', async () => {
    const r = await cli(['catalog', 'init'], {DOCKER_MCP_CATALOG_URL: 'http://127.0.0.1:1/never'})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Docker MCP Catalog ready: 8 servers \(shipped with docker-mcp\)\./)
    assert.deepEqual(JSON.parse(await read('catalog.json')), {
      catalogs: {
        'docker-mcp': {
          displayName: 'Docker MCP Catalog',
          url: 'https://desktop.docker.com/mcp/catalog/v2/catalog.yaml',
        },
      },
    })
  })

  test('the seed catalog from the issue imports as is; its server resolves across catalogs with a warning', async () => {
    const r = await cli(['catalog', 'import', fixture('seed.yaml')])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'Imported catalog "custom" (1 server).\n')
    assert.equal(await read('catalogs/custom.yaml'), await readFile(fixture('seed.yaml'), 'utf8'))
    const index = JSON.parse(await read('catalog.json'))
    assert.equal(index.catalogs.custom.displayName, 'Custom MCP Servers')
    assert.equal(index.catalogs.custom.url, fixture('seed.yaml'))
    assert.ok(Date.parse(index.catalogs.custom.lastUpdate) > 0)
    const ls = await cli(['catalog', 'ls'])
    assert.equal(
      ls.stdout,
      'docker-mcp: Docker MCP Catalog (shipped with docker-mcp)\ncustom: Custom MCP Servers\n',
    )
    const inspect = await cli(['server', 'inspect', 'dice', '--json'])
    assert.equal(JSON.parse(inspect.stdout).catalog, 'custom')
    const human = await cli(['server', 'inspect', 'dice'])
    assert.match(
      human.stderr,
      /server "dice" is defined in catalog "docker-mcp" and again in\s+(› +)?"custom": using the one from "custom"/,
    )
  })

  test('a catalog written by the original (catalog.json + catalogs/<name>.yaml) loads', async () => {
    const other = await makeSandbox()
    try {
      const dir = path.join(other.dockerConfig, 'mcp')
      await mkdir(path.join(dir, 'catalogs'), {recursive: true})
      await writeFile(path.join(dir, 'catalog.json'), await readFile(fixture('original-catalog.json')))
      await writeFile(path.join(dir, 'catalogs/team.yaml'), await readFile(fixture('team.yaml')))
      const r = await runCli(other, ['catalog', 'ls', '--json'])
      assert.deepEqual(
        JSON.parse(r.stdout),
        JSON.parse(await readFile(fixture('original-catalog.json'), 'utf8')),
      )
      const show = await runCli(other, ['catalog', 'show', 'team', '--json'])
      assert.deepEqual(Object.keys(JSON.parse(show.stdout).registry), ['notes-db', 'vendor-docs'])
      // docker-mcp recorded but never downloaded: the shipped copy stands in.
      const docker = await runCli(other, ['catalog', 'show', 'docker-mcp', '--json'])
      assert.equal(JSON.parse(docker.stdout).registry.dice.image, 'dice-mcp-server:latest')
    } finally {
      await other.cleanup()
    }
  })

  test('import with --name renames, keeping comments; without a name it asks for --name', async () => {
    const r = await cli(['catalog', 'import', fixture('team.yaml'), '--name', 'team2'])
    assert.equal(r.code, 0, r.stderr)
    const text = await read('catalogs/team2.yaml')
    assert.match(text, /^# Team catalog: hand-edited, keep these comments\.\n/)
    assert.match(text, /\nname: team2\n/)
    assert.match(text, /# The notes database, see the wiki\./)
    await writeFile(path.join(sandbox.home, 'nameless.yaml'), 'registry:\n  x: {image: x}\n')
    const nameless = await cli(['catalog', 'import', 'nameless.yaml'])
    assert.equal(nameless.code, 1)
    assert.match(nameless.stderr, /nameless\.yaml has no top-level "name": pass one with --name/)
  })

  test('import of an invalid catalog names file, line and field, and writes nothing', async () => {
    const r = await cli(['catalog', 'import', fixture('broken-type.yaml')])
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /broken-type\.yaml:9:9: registry\.dice\.secrets\[0\]\.env: expected a string, got the number 42/,
    )
    assert.equal(await exists(path.join(mcp, 'catalogs/broken.yaml')), false)
    assert.equal(JSON.parse(await read('catalog.json')).catalogs.broken, undefined)
  })

  test('import rejects duplicate keys with their line', async () => {
    await writeFile(
      path.join(sandbox.home, 'dup.yaml'),
      'name: dup\nregistry:\n  a: {image: x}\n  a: {image: y}\n',
    )
    const r = await cli(['catalog', 'import', 'dup.yaml'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /dup\.yaml:4:3: invalid YAML: duplicate key/)
  })

  test('import refuses huge files before reading them', async () => {
    const big = path.join(sandbox.home, 'big.yaml')
    await writeFile(big, 'name: big\n# ' + 'x'.repeat(9 * 1024 * 1024) + '\n')
    const r = await cli(['catalog', 'import', big])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /big\.yaml: file is too large \(9\.0 MiB; the limit is 8\.0 MiB\)/)
  })

  test('hostile catalog names are rejected', async () => {
    for (const name of ['../evil', 'a/b', 'a\\b', '..', '.hidden', 'x'.repeat(101)]) {
      const r = await cli(['catalog', 'create', name])
      assert.equal(r.code, 1, name)
      assert.match(r.stderr, /invalid catalog name/, name)
    }
    await writeFile(path.join(sandbox.home, 'evil.yaml'), 'name: ../../evil\nregistry: {}\n')
    const r = await cli(['catalog', 'import', 'evil.yaml'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /invalid catalog name "\.\.\/\.\.\/evil"/)
    assert.equal(await exists(path.join(sandbox.dockerConfig, 'evil.yaml')), false)
  })

  test('import from an http URL; a failing URL leaves the existing catalog alone', async () => {
    served.set('/team.yaml', {status: 200, body: await readFile(fixture('team.yaml'), 'utf8')})
    const r = await cli(['catalog', 'import', `${base}/team.yaml`])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(JSON.parse(await read('catalog.json')).catalogs.team.url, `${base}/team.yaml`)
    const before = await read('catalogs/team.yaml')
    served.set('/team.yaml', {status: 500, body: 'oops'})
    const failed = await cli(['catalog', 'update', 'team'])
    assert.equal(failed.code, 1)
    assert.match(failed.stderr, /failed to update catalog "team": could not download .*team\.yaml: HTTP 500/)
    assert.equal(await read('catalogs/team.yaml'), before)
    served.set('/team.yaml', {status: 200, body: 'name: team\nregistry:\n  notes-db: {image: [\n'})
    const invalid = await cli(['catalog', 'update', 'team'])
    assert.equal(invalid.code, 1)
    assert.match(invalid.stderr, /team\.yaml:4:1: invalid YAML/)
    assert.equal(await read('catalogs/team.yaml'), before)
  })

  test('docker-mcp: update with no network fails clearly and keeps the shipped/existing catalog', async () => {
    const url = `http://127.0.0.1:${closedPort}/catalog.yaml`
    const r = await cli(['catalog', 'update', 'docker-mcp'], {DOCKER_MCP_CATALOG_URL: url})
    assert.equal(r.code, 1)
    assert.ok(
      r.stderr.includes(`failed to update catalog "docker-mcp": could not download ${url}: ECONNREFUSED`),
      r.stderr,
    )
    assert.match(r.stderr, /nothing was changed/)
    assert.equal(await exists(path.join(mcp, 'catalogs/docker-mcp.yaml')), false)
    const show = await cli(['catalog', 'show', '--json'])
    assert.equal(Object.keys(JSON.parse(show.stdout).registry).length, 8)
  })

  test("docker-mcp: import/update fetch Docker's catalog, which then replaces the shipped one", async () => {
    served.set('/docker.yaml', {
      status: 200,
      body: 'version: 2\nname: docker-mcp\ndisplayName: Docker MCP Catalog\nregistry:\n  fresh: {image: mcp/fresh}\n',
    })
    const r = await cli(['catalog', 'update', 'docker-mcp'], {DOCKER_MCP_CATALOG_URL: `${base}/docker.yaml`})
    assert.equal(r.code, 0, r.stderr)
    // What the update changes is shown, server by server: the shipped servers go, "fresh" comes.
    assert.ok(
      r.stdout.startsWith('updated: docker-mcp (1 servers)\n  + fresh (new)\n      image: mcp/fresh\n'),
      r.stdout,
    )
    assert.match(r.stdout, /^ {2}- dice \(removed\)$/m)
    const show = JSON.parse((await cli(['catalog', 'show', '--json'])).stdout)
    assert.deepEqual(Object.keys(show.registry), ['fresh'])
    // The recorded URL stays Docker's public one, whatever mirror was used.
    assert.equal(
      JSON.parse(await read('catalog.json')).catalogs['docker-mcp'].url,
      'https://desktop.docker.com/mcp/catalog/v2/catalog.yaml',
    )
    const again = await cli(['catalog', 'import', 'docker-mcp'], {
      DOCKER_MCP_CATALOG_URL: `${base}/docker.yaml`,
    })
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.stdout, 'Replaced catalog "docker-mcp" (1 server).\n')
  })

  test('export copies the file as is; docker-mcp cannot be exported', async () => {
    const r = await cli(['catalog', 'export', 'team2', 'out/team2.yaml'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(
      await readFile(path.join(sandbox.home, 'out/team2.yaml'), 'utf8'),
      await read('catalogs/team2.yaml'),
    )
    const docker = await cli(['catalog', 'export', 'docker-mcp', 'out/d.yaml'])
    assert.equal(docker.code, 1)
    assert.match(
      docker.stderr,
      /cannot export the Docker MCP catalog \(docker-mcp\): it is managed by Docker/,
    )
  })

  test('create makes an empty catalog; creating it twice is an error', async () => {
    const r = await cli(['catalog', 'create', 'mine'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'created empty catalog mine\n')
    assert.equal(
      await read('catalogs/mine.yaml'),
      'version: 2\nname: "mine"\ndisplayName: "mine"\nregistry: {}\n',
    )
    assert.deepEqual(JSON.parse(await read('catalog.json')).catalogs.mine, {displayName: 'mine'})
    const twice = await cli(['catalog', 'create', 'mine'])
    assert.equal(twice.code, 1)
    assert.match(twice.stderr, /catalog "mine" already exists/)
    const docker = await cli(['catalog', 'create', 'docker-mcp'])
    assert.equal(docker.code, 1)
  })

  test("add copies one server with its comments, keeps the destination's comments, needs --force to replace", async () => {
    const r = await cli(['catalog', 'add', 'mine', 'weather', fixture('server-snippet.yaml')])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'Added server "weather" in catalog "mine".\n')
    let text = await read('catalogs/mine.yaml')
    assert.match(text, /registry:\n {2}weather:\n {4}# Comment on the copied entry\.\n {4}type: server\n/)
    assert.doesNotMatch(text, /other/)
    const twice = await cli(['catalog', 'add', 'mine', 'weather', fixture('server-snippet.yaml')])
    assert.equal(twice.code, 1)
    assert.match(twice.stderr, /catalog "mine" already has a server "weather"/)
    assert.match(twice.stderr, /--force/)
    const forced = await cli(['catalog', 'add', 'mine', 'weather', fixture('server-snippet.yaml'), '--force'])
    assert.equal(forced.code, 0, forced.stderr)
    assert.equal(forced.stdout, 'Replaced server "weather" in catalog "mine".\n')
    // Into a catalog with comments: they survive.
    const intoTeam = await cli(['catalog', 'add', 'team2', 'weather', fixture('server-snippet.yaml')])
    assert.equal(intoTeam.code, 0, intoTeam.stderr)
    text = await read('catalogs/team2.yaml')
    assert.match(text, /^# Team catalog: hand-edited, keep these comments\.\n/)
    assert.match(text, / {2}# The notes database, see the wiki\.\n {2}notes-db:/)
    assert.match(text, /\n {2}weather:\n/)
    const typo = await cli(['catalog', 'add', 'mine', 'wether', fixture('server-snippet.yaml')])
    assert.equal(typo.code, 1)
    assert.match(typo.stderr, /has no server "wether" under "registry"/)
    assert.match(typo.stderr, /did you mean "weather"\?/)
    const docker = await cli(['catalog', 'add', 'docker-mcp', 'weather', fixture('server-snippet.yaml')])
    assert.equal(docker.code, 1)
    assert.match(docker.stderr, /cannot modify the Docker MCP catalog/)
    const invalid = await cli(['catalog', 'add', 'mine', 'dice', fixture('broken-type.yaml')])
    assert.equal(invalid.code, 1)
    assert.match(
      invalid.stderr,
      /broken-type\.yaml:9:9: registry\.dice\.secrets\[0\]\.env: expected a string/,
    )
  })

  test('fork copies docker-mcp under a new name', async () => {
    const r = await cli(['catalog', 'fork', 'docker-mcp', 'my-fork'])
    assert.equal(r.code, 0, r.stderr)
    const text = await read('catalogs/my-fork.yaml')
    assert.match(text, /\nname: my-fork\ndisplayName: my-fork \(forked from docker-mcp\)\n/)
    assert.equal(
      JSON.parse(await read('catalog.json')).catalogs['my-fork'].displayName,
      'my-fork (forked from docker-mcp)',
    )
    const into = await cli(['catalog', 'fork', 'mine', 'docker-mcp'])
    assert.equal(into.code, 1)
  })

  test('update re-reads catalogs imported from files and skips local ones', async () => {
    const source = path.join(sandbox.home, 'src-cat.yaml')
    await writeFile(source, 'name: fromfile\nregistry:\n  a: {image: a}\n')
    assert.equal((await cli(['catalog', 'import', source])).code, 0)
    await writeFile(source, 'name: fromfile\nregistry:\n  a: {image: a}\n  b: {image: b}\n')
    const r = await cli(['catalog', 'update', 'fromfile'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'updated: fromfile (2 servers)\n  + b (new)\n      image: b\n')
    const local = await cli(['catalog', 'update', 'mine'])
    assert.equal(local.stdout, 'skipped: mine (created locally, nothing to update from)\n')
  })

  test('rm removes the entry and the file; docker-mcp cannot be removed', async () => {
    const r = await cli(['catalog', 'rm', 'mine'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'removed catalog "mine"\n')
    assert.equal(await exists(path.join(mcp, 'catalogs/mine.yaml')), false)
    assert.equal(JSON.parse(await read('catalog.json')).catalogs.mine, undefined)
    const again = await cli(['catalog', 'remove', 'mine'])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /catalog "mine" not found/)
    // docker-mcp was updated from a URL above: rm removes that copy and restores the shipped one; then there
    // is nothing left to remove.
    const restored = await cli(['catalog', 'rm', 'docker-mcp'])
    assert.equal(restored.code, 0, restored.stderr)
    assert.equal(
      restored.stdout,
      'restored the Docker MCP Catalog shipped with docker-mcp (your copy of "docker-mcp" was removed)\n',
    )
    assert.equal(await exists(path.join(mcp, 'catalogs/docker-mcp.yaml')), false)
    const docker = await cli(['catalog', 'rm', 'docker-mcp'])
    assert.equal(docker.code, 1)
    assert.match(
      docker.stderr,
      /the Docker MCP catalog \(docker-mcp\) is already the copy shipped with docker-mcp/,
    )
  })
})

describe('files we cannot parse are never overwritten', () => {
  test('a malformed catalog.json stops every catalog change, with its line, and is left as it was', async () => {
    const broken = '{\n  "catalogs": {\n    "a": {"displayName": "A"},\n  }\n'
    await writeFile(path.join(mcp, 'catalog.json'), broken)
    for (const args of [
      ['catalog', 'create', 'x'],
      ['catalog', 'import', fixture('seed.yaml')],
      ['catalog', 'ls'],
    ]) {
      const r = await cli(args)
      assert.equal(r.code, 1, args.join(' '))
      assert.match(r.stderr, /catalog\.json:5:1: invalid YAML/, args.join(' '))
    }
    assert.equal(await read('catalog.json'), broken)
  })

  test('reset starts over: imported catalogs removed, the shipped one remains', async () => {
    const r = await cli(['catalog', 'reset'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(await read('catalog.json')), {catalogs: {}})
    assert.equal(await exists(path.join(mcp, 'catalogs')), false)
    const ls = await cli(['catalog', 'ls'])
    assert.equal(ls.stdout, 'docker-mcp: Docker MCP Catalog (shipped with docker-mcp)\n')
  })

  test('a catalog file we cannot parse is not overwritten by "add"; it can still be removed', async () => {
    assert.equal((await cli(['catalog', 'create', 'fragile'])).code, 0)
    const broken = 'name: fragile\nregistry:\n  a: {image: [\n'
    await writeFile(path.join(mcp, 'catalogs/fragile.yaml'), broken)
    const add = await cli(['catalog', 'add', 'fragile', 'weather', fixture('server-snippet.yaml')])
    assert.equal(add.code, 1)
    assert.match(add.stderr, /fragile\.yaml:4:1: invalid YAML/)
    assert.equal(await read('catalogs/fragile.yaml'), broken)
    const enable = await cli(['server', 'add', 'dice'])
    assert.equal(enable.code, 1)
    assert.match(enable.stderr, /fragile\.yaml:4:1: invalid YAML/)
    const rm = await cli(['catalog', 'rm', 'fragile'])
    assert.equal(rm.code, 0, rm.stderr)
    assert.equal(await exists(path.join(mcp, 'catalogs/fragile.yaml')), false)
  })
})

describe('catalog ls / show -q / --quiet: names alone, for scripts', () => {
  let quiet: Sandbox
  const q = (args: string[]) => runCli(quiet, args, {env: {OCLIF_COLUMNS: '1000'}, cwd: quiet.home})
  const SHIPPED = [
    'dice',
    'duckduckgo',
    'fetch',
    'filesystem',
    'github-official',
    'memory',
    'sequentialthinking',
    'time',
  ]
  const lines = (names: string[]) => names.map((n) => `${n}\n`).join('')
  before(async () => {
    quiet = await makeSandbox()
  })
  after(() => quiet.cleanup())

  test('ls: catalog names, one per line, in listing order (the Docker catalog first)', async () => {
    for (const flag of ['-q', '--quiet']) {
      const r = await q(['catalog', 'ls', flag])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, 'docker-mcp\n', flag)
    }
    assert.equal((await q(['catalog', 'import', fixture('team.yaml')])).code, 0)
    assert.equal((await q(['catalog', 'create', 'mine'])).code, 0)
    for (const flag of ['-q', '--quiet']) {
      const r = await q(['catalog', 'ls', flag])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, 'docker-mcp\nteam\nmine\n', flag)
    }
  })

  test('show: the server names of the catalog, sorted, nothing else', async () => {
    for (const args of [
      ['catalog', 'show', '-q'],
      ['catalog', 'show', 'docker-mcp', '--quiet'],
    ]) {
      const r = await q(args)
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, lines(SHIPPED), args.join(' '))
    }
    const team = await q(['catalog', 'show', 'team', '-q'])
    assert.equal(team.code, 0, team.stderr)
    assert.equal(team.stdout, 'notes-db\nvendor-docs\n')
  })

  test('show of an empty catalog prints nothing; of an unknown one, the usual error', async () => {
    for (const flag of ['-q', '--quiet']) {
      const r = await q(['catalog', 'show', 'mine', flag])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, '', flag)
    }
    const unknown = await q(['catalog', 'show', 'tema', '-q'])
    assert.equal(unknown.code, 1)
    assert.equal(unknown.stdout, '')
    assert.match(unknown.stderr, /catalog "tema" not found/)
  })

  test('--quiet with --json or --format is a usage error (exit 125), nothing on stdout', async () => {
    for (const [args, other] of [
      [['catalog', 'ls', '-q', '--json'], '--json=true'],
      [['catalog', 'ls', '--format', 'yaml', '--quiet'], '--format=yaml'],
      [['catalog', 'show', '--json', '-q'], '--json=true'],
      [['catalog', 'show', 'team', '--quiet', '--format', 'json'], '--format=json'],
    ] as const) {
      const r = await q([...args])
      assert.equal(r.code, 125, args.join(' '))
      assert.equal(r.stdout, '', args.join(' '))
      assert.ok(r.stderr.includes(`${other} cannot also be provided when using --quiet`), r.stderr)
    }
  })
})
