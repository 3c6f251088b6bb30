import assert from 'node:assert/strict'
import {mkdir, readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {makeSandbox, ROOT, runCli, type Sandbox} from '../helpers/sandbox.js'

const FIXTURES = path.join(ROOT, 'test/fixtures/catalogs')

let sandbox: Sandbox
let mcp: string
// OCLIF_COLUMNS: error messages on one line, so they can be matched exactly.
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(sandbox, args, {env: {OCLIF_COLUMNS: '1000', ...env}, cwd: sandbox.home})
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

describe('server add / rm', () => {
  test('add of an unknown name fails with the closest names and writes nothing', async () => {
    const r = await cli(['server', 'add', 'dcie'])
    assert.equal(r.code, 1)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /server "dcie" not found in any catalog/)
    assert.match(r.stderr, /did you mean "dice"\?/)
    const two = await cli(['server', 'add', 'dice', 'fetchh', 'tmie'])
    assert.equal(two.code, 1)
    assert.match(two.stderr, /servers "fetchh", "tmie" not found in any catalog/)
    assert.match(two.stderr, /"fetchh": did you mean "fetch"\?/)
    assert.equal(await exists(path.join(mcp, 'registry.yaml')), false)
  })

  test('add writes registry.yaml in the original format; adding twice is idempotent', async () => {
    const r = await cli(['server', 'add', 'dice', 'fetch'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'enabled dice\nenabled fetch\n')
    const expected = 'registry:\n  dice:\n    ref: ""\n  fetch:\n    ref: ""\n'
    assert.equal(await read('registry.yaml'), expected)
    const again = await cli(['server', 'enable', 'dice', '--json'])
    assert.equal(again.code, 0, again.stderr)
    assert.deepEqual(JSON.parse(again.stdout), {enabled: [], alreadyEnabled: ['dice'], grants: []})
    assert.equal(await read('registry.yaml'), expected)
  })

  test('add tells what a server still needs: secrets, config', async () => {
    const r = await cli(['server', 'add', 'github-official', 'filesystem'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(
      r.stdout,
      [
        'enabled github-official',
        'enabled filesystem',
        '  github-official needs secret github.personal_access_token: docker mcp secret set github.personal_access_token=<value>',
        '  filesystem needs configuration: see "docker mcp server inspect filesystem"',
        '',
      ].join('\n'),
    )
  })

  test('rm / remove / disable; names not enabled are reported, with a suggestion', async () => {
    const r = await cli(['server', 'rm', 'fetch', 'dcie'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'disabled fetch\ndcie is not enabled (did you mean "dice"?)\n')
    assert.doesNotMatch(await read('registry.yaml'), /fetch/)
    for (const verb of ['remove', 'disable']) {
      assert.equal((await cli(['server', 'add', 'fetch'])).code, 0)
      const again = await cli(['server', verb, 'fetch', '--json'])
      assert.deepEqual(JSON.parse(again.stdout), {disabled: ['fetch'], notEnabled: []})
    }
  })

  test('edits keep the comments and order of a registry.yaml the user edited', async () => {
    await write(
      'registry.yaml',
      '# my servers\nregistry:\n  # the dice, for games\n  dice:\n    ref: ""\n  time: {ref: ""} # trailing\n',
    )
    assert.equal((await cli(['server', 'add', 'memory'])).code, 0)
    assert.equal(
      await read('registry.yaml'),
      '# my servers\nregistry:\n  # the dice, for games\n  dice:\n    ref: ""\n  time: {ref: ""} # trailing\n  memory:\n    ref: ""\n',
    )
    assert.equal((await cli(['server', 'rm', 'time'])).code, 0)
    assert.equal(
      await read('registry.yaml'),
      '# my servers\nregistry:\n  # the dice, for games\n  dice:\n    ref: ""\n  memory:\n    ref: ""\n',
    )
  })

  test('a registry.yaml we cannot parse is never overwritten', async () => {
    const broken = 'registry:\n  dice:\n    ref: ""\n  dice:\n    ref: ""\n'
    await write('registry.yaml', broken)
    for (const args of [
      ['server', 'add', 'fetch'],
      ['server', 'rm', 'dice'],
      ['server', 'ls'],
    ]) {
      const r = await cli(args)
      assert.equal(r.code, 1, args.join(' '))
      assert.match(r.stderr, /registry\.yaml:4:3: invalid YAML: duplicate key/, args.join(' '))
    }
    assert.equal(await read('registry.yaml'), broken)
    await write('registry.yaml', 'registry: [dice]\n')
    const wrongShape = await cli(['server', 'add', 'fetch'])
    assert.equal(wrongShape.code, 1)
    assert.match(wrongShape.stderr, /registry\.yaml:1:1: registry: expected a mapping, got a list/)
    assert.equal(await read('registry.yaml'), 'registry: [dice]\n')
  })

  test('reset empties registry.yaml', async () => {
    const r = await cli(['server', 'reset'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(await read('registry.yaml'), '')
    assert.equal((await cli(['server', 'ls'])).stdout, 'No server is enabled\n')
    assert.deepEqual(JSON.parse((await cli(['server', 'ls', '--json'])).stdout), [])
  })
})

describe('server ls / inspect across catalogs', () => {
  test('servers from a custom catalog can be enabled, listed and inspected (not only docker-mcp)', async () => {
    assert.equal((await cli(['catalog', 'import', path.join(FIXTURES, 'team.yaml')])).code, 0)
    const r = await cli(['server', 'add', 'notes-db', 'vendor-docs', 'filesystem', 'time'])
    assert.equal(r.code, 0, r.stderr)
    const ls = await cli(['server', 'ls', '--json'])
    assert.equal(ls.code, 0, ls.stderr)
    assert.deepEqual(JSON.parse(ls.stdout), [
      {
        name: 'notes-db',
        title: 'Notes DB',
        description: 'Query the team notes database',
        catalog: 'team',
        secrets: 'required',
        config: 'required',
        oauth: 'none',
      },
      {
        name: 'vendor-docs',
        title: 'Vendor docs',
        description: '',
        catalog: 'team',
        secrets: 'required',
        config: 'none',
        oauth: 'none',
      },
      {
        name: 'filesystem',
        title: 'Filesystem (Reference)',
        description: 'Read, write, move and search files in the directories you allow.',
        catalog: 'docker-mcp',
        secrets: 'none',
        config: 'required',
        oauth: 'none',
      },
      {
        name: 'time',
        title: 'Time',
        description: 'Get the current time in any timezone and convert times between timezones (IANA names).',
        catalog: 'docker-mcp',
        secrets: 'none',
        config: 'none',
        oauth: 'none',
      },
    ])
  })

  test('config status moves from required to partial to done', async () => {
    assert.equal((await cli(['config', 'set', 'notes-db.host=db.internal'])).code, 0)
    const partial = JSON.parse((await cli(['server', 'ls', '--json'])).stdout)
    assert.equal(partial[0].config, 'partial')
    assert.equal((await cli(['config', 'set', 'notes-db.db_name=notes'])).code, 0)
    assert.equal((await cli(['config', 'set', 'filesystem.paths=/srv/a,/srv/b'])).code, 0)
    const done = JSON.parse((await cli(['server', 'ls', '--json'])).stdout)
    assert.deepEqual(
      done.map((s: {config: string}) => s.config),
      ['done', 'none', 'done', 'none'],
    )
  })

  test('human table', async () => {
    const r = await cli(['server', 'ls'])
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.split('\n')
    assert.equal(lines[0], 'MCP Servers (4 enabled)')
    // Docker's columns, in its order, then ours before the description.
    assert.match(lines[2]!, /^NAME +OAUTH +SECRETS +CONFIG +CATALOG +DESCRIPTION$/)
    assert.match(lines[3]!, /^notes-db +- +▲ required +✓ done +team +Query the team notes database$/)
    assert.match(lines[5]!, /^filesystem +- +- +✓ done +docker-mcp +Read, write, move/)
  })

  test('an enabled server no catalog defines is listed and warned about', async () => {
    await write('registry.yaml', (await read('registry.yaml')) + '  ghost:\n    ref: ""\n')
    const r = await cli(['server', 'ls'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /\nghost +- +- +- +\(none\) +not defined by any catalog\n/)
    assert.match(
      r.stderr,
      /server "ghost" is enabled but no catalog defines it: run "docker mcp server rm ghost"/,
    )
    assert.equal((await cli(['server', 'rm', 'ghost'])).code, 0)
  })

  test('inspect --json: entry, tools with tools.yaml applied, secrets, config with values', async () => {
    await write('tools.yaml', 'notes-db: [search_notes]\n')
    const r = await cli(['server', 'inspect', 'notes-db', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const s = JSON.parse(r.stdout)
    assert.equal(s.catalog, 'team')
    assert.equal(s.enabled, true)
    assert.equal(s.image, 'example/notes-mcp:1.2')
    assert.deepEqual(s.tools, [
      {name: 'search_notes', description: '', enabled: true},
      {name: 'add_note', description: '', enabled: false},
    ])
    assert.deepEqual(s.secrets, [{name: 'notes-db.password', env: 'NOTES_PASSWORD', set: false}])
    assert.deepEqual(s.config.slice(0, 3), [
      {key: 'host', type: 'string', required: true, value: 'db.internal'},
      {key: 'port', type: 'integer', required: false},
      {key: 'db_name', type: 'string', required: true, value: 'notes'},
    ])
    assert.equal(s.secretsStatus, 'required')
    assert.equal(s.configStatus, 'done')
    assert.deepEqual(s.entry.allowHosts, ['notes.example.com:443'])
  })

  test('inspect (human) and unknown names', async () => {
    const r = await cli(['server', 'inspect', 'filesystem'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^filesystem \(Filesystem \(Reference\)\)\n/)
    assert.match(r.stdout, /\nCatalog: {2}docker-mcp \(.*catalogs\/docker-mcp\.yaml\)\n/)
    assert.match(r.stdout, /\nConfig: {3}✓ done\n {2}filesystem\.paths \(array\) = \[\/srv\/a, \/srv\/b\]\n/)
    assert.match(r.stdout, /\nTools: {4}11 of 11 enabled\n/)
    const unknown = await cli(['server', 'inspect', 'filesytem'])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /server "filesytem" not found in any catalog/)
    assert.match(unknown.stderr, /did you mean "filesystem"\?/)
  })
})

describe('server ls -q / --quiet: the enabled names alone, for scripts', () => {
  let quiet: Sandbox
  const q = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCli(quiet, args, {env: {OCLIF_COLUMNS: '1000', ...env}, cwd: quiet.home})
  before(async () => {
    quiet = await makeSandbox()
  })
  after(() => quiet.cleanup())

  test('nothing enabled: no output at all (not the "No server is enabled" line), exit 0', async () => {
    for (const flag of ['-q', '--quiet']) {
      const r = await q(['server', 'ls', flag])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, '', flag)
    }
  })

  test('one name per line in registry order, no header; an undefined server is listed and warned about on stderr', async () => {
    assert.equal((await q(['server', 'add', 'time', 'dice', 'github-official'])).code, 0)
    const registry = path.join(quiet.dockerConfig, 'mcp', 'registry.yaml')
    await writeFile(registry, (await readFile(registry, 'utf8')) + '  ghost:\n    ref: ""\n')
    for (const flag of ['-q', '--quiet']) {
      const r = await q(['server', 'ls', flag])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, 'time\ndice\ngithub-official\nghost\n', flag)
      assert.match(r.stderr, /server "ghost" is enabled but no catalog defines it/)
    }
    assert.equal((await q(['server', 'list', '-q'])).stdout, 'time\ndice\ngithub-official\nghost\n')
  })

  test('names need no secret store: a broken one is not opened, so no warning about it', async () => {
    // github-official declares a secret: the table looks it up and warns that the store cannot be read.
    const env = {DOCKER_MCP_SECRET_STORE: 'vault'}
    const table = await q(['server', 'ls'], env)
    assert.equal(table.code, 0, table.stderr)
    assert.match(table.stderr, /could not read the secret store/)
    const r = await q(['server', 'ls', '-q'], env)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'time\ndice\ngithub-official\nghost\n')
    assert.doesNotMatch(r.stderr, /secret store/)
  })

  test('--quiet with --json is a usage error (exit 125), nothing on stdout', async () => {
    for (const args of [
      ['server', 'ls', '-q', '--json'],
      ['server', 'ls', '--json', '--quiet'],
    ]) {
      const r = await q(args)
      assert.equal(r.code, 125, args.join(' '))
      assert.equal(r.stdout, '', args.join(' '))
      assert.match(r.stderr, /--json=true cannot also be provided when using --quiet/)
    }
    // Any usage error, not only this one: oclif used to dump its parser state as JSON on stdout, exit 1.
    const unknown = await q(['server', 'ls', '--json', '--bogus'])
    assert.equal(unknown.code, 125)
    assert.equal(unknown.stdout, '')
    assert.match(unknown.stderr, /unknown flag for "docker mcp server ls": --bogus/)
  })
})
