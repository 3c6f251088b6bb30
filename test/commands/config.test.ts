import assert from 'node:assert/strict'
import {mkdir, readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {makeSandbox, ROOT, runCli, type Sandbox} from '../helpers/sandbox.js'

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
  const r = await runCli(sandbox, ['catalog', 'import', path.join(ROOT, 'test/fixtures/catalogs/team.yaml')])
  assert.equal(r.code, 0, r.stderr)
})
after(() => sandbox.cleanup())

describe('config read / write / reset', () => {
  test('read of a missing file prints nothing', async () => {
    const r = await cli(['config', 'read'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, '')
    assert.deepEqual(JSON.parse((await cli(['config', 'read', '--json'])).stdout), {})
  })

  test('write stores the YAML as given; read prints it back raw; --json parses it', async () => {
    const text = '# mine\nfilesystem:\n  paths: [/a, /b]\nnotes-db:\n  host: db\n'
    const w = await cli(['config', 'write', text])
    assert.equal(w.code, 0, w.stderr)
    assert.equal(await read('config.yaml'), text)
    assert.equal((await cli(['config', 'read'])).stdout, text)
    assert.deepEqual(JSON.parse((await cli(['config', 'read', '--json'])).stdout), {
      filesystem: {paths: ['/a', '/b']},
      'notes-db': {host: 'db'},
    })
  })

  test('write refuses invalid YAML or a wrong shape, and leaves the file alone', async () => {
    const before = await read('config.yaml')
    const syntax = await cli(['config', 'write', 'a: [1,\n'])
    assert.equal(syntax.code, 1)
    assert.match(syntax.stderr, /<config argument>:2:1: invalid YAML/)
    const shape = await cli(['config', 'write', 'filesystem: /a\n'])
    assert.equal(shape.code, 1)
    assert.match(shape.stderr, /<config argument>:1:1: filesystem: expected a mapping, got the string "\/a"/)
    const dup = await cli(['config', 'write', 'a: {x: 1}\na: {y: 2}\n'])
    assert.equal(dup.code, 1)
    assert.match(dup.stderr, /<config argument>:2:1: invalid YAML: duplicate key/)
    assert.equal(await read('config.yaml'), before)
  })

  test('reset empties the file', async () => {
    assert.equal((await cli(['config', 'reset'])).code, 0)
    assert.equal(await read('config.yaml'), '')
    assert.equal((await cli(['config', 'read'])).stdout, '')
  })
})

describe('config set / get', () => {
  test('values are coerced to the schema type and written as YAML', async () => {
    const cases: Array<[string, string]> = [
      ['notes-db.host=db.internal', 'notes-db.host = db.internal\n'],
      ['notes-db.port=5432', 'notes-db.port = 5432\n'],
      ['notes-db.tls=yes', 'notes-db.tls = true\n'],
      ['notes-db.mode=safe', 'notes-db.mode = safe\n'],
      ['filesystem.paths=/srv/a,/srv/b', 'filesystem.paths = [/srv/a, /srv/b]\n'],
    ]
    for (const [arg, out] of cases) {
      const r = await cli(['config', 'set', arg])
      assert.equal(r.code, 0, `${arg}: ${r.stderr}`)
      assert.equal(r.stdout, out)
    }
    assert.equal(
      await read('config.yaml'),
      'notes-db:\n  host: db.internal\n  port: 5432\n  tls: true\n  mode: safe\nfilesystem:\n  paths: [/srv/a, /srv/b]\n',
    )
    const json = await cli(['config', 'set', 'filesystem.paths=["/x y", "/z"]', '--json'])
    assert.deepEqual(JSON.parse(json.stdout), {
      server: 'filesystem',
      key: 'paths',
      value: ['/x y', '/z'],
      file: path.join(mcp, 'config.yaml'),
    })
  })

  test('get prints scalars raw, lists and maps as YAML, --json as JSON', async () => {
    assert.equal((await cli(['config', 'get', 'notes-db.port'])).stdout, '5432\n')
    assert.equal((await cli(['config', 'get', 'filesystem.paths'])).stdout, '- /x y\n- /z\n')
    assert.deepEqual(JSON.parse((await cli(['config', 'get', 'filesystem.paths', '--json'])).stdout), [
      '/x y',
      '/z',
    ])
    assert.deepEqual(JSON.parse((await cli(['config', 'get', 'notes-db', '--json'])).stdout), {
      host: 'db.internal',
      port: 5432,
      tls: true,
      mode: 'safe',
    })
    const unset = await cli(['config', 'get', 'notes-db.cache_dir'])
    assert.equal(unset.code, 1)
    assert.match(unset.stderr, /notes-db\.cache_dir is not set/)
    const unknown = await cli(['config', 'get', 'nosuch.key'])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /server "nosuch" not found in any catalog/)
  })

  test('invalid values and keys: exact errors, nothing written', async () => {
    const before = await read('config.yaml')
    const cases: Array<[string, number, string]> = [
      ['notes-db.port=abc', 1, 'invalid value for notes-db.port: expected an integer, got "abc"'],
      ['notes-db.tls=maybe', 1, 'invalid value for notes-db.tls: expected true or false, got "maybe"'],
      ['notes-db.mode=turbo', 1, 'invalid value for notes-db.mode: "turbo" is not one of "fast", "safe"'],
      ['notes-db.hots=x', 1, 'server "notes-db" has no setting "hots"'],
      ['notes-bd.host=x', 1, 'server "notes-bd" not found in any catalog'],
      ['time.zone=UTC', 1, 'server "time" has no configuration settings'],
      ['notes-db.host', 125, 'expected <server>.<key>=<value>, got "notes-db.host"'],
      ['nodot=1', 125, 'expected <server>.<key>, got "nodot"'],
    ]
    for (const [arg, code, message] of cases) {
      const r = await cli(['config', 'set', arg])
      assert.equal(r.code, code, arg)
      assert.ok(r.stderr.includes(message), `${arg}: ${r.stderr}`)
    }
    const suggestion = await cli(['config', 'set', 'notes-db.hots=x'])
    assert.match(suggestion.stderr, /did you mean "notes-db\.host"\?/)
    assert.equal(await read('config.yaml'), before)
  })

  test('set keeps comments and layout of a config.yaml the user edited', async () => {
    await write(
      'config.yaml',
      '# Settings, edited by hand.\nnotes-db:\n  host: db.internal # the primary\n\n  # cache\n  cache_dir: /var/cache\nfilesystem:\n',
    )
    assert.equal((await cli(['config', 'set', 'notes-db.host=db2'])).code, 0)
    assert.equal((await cli(['config', 'set', 'filesystem.paths=/a'])).code, 0)
    assert.equal(
      await read('config.yaml'),
      '# Settings, edited by hand.\nnotes-db:\n  host: db2 # the primary\n\n  # cache\n  cache_dir: /var/cache\nfilesystem:\n  paths: [/a]\n',
    )
  })

  test('a config.yaml we cannot parse is never overwritten', async () => {
    const broken = 'notes-db:\n  host: "unterminated\n'
    await write('config.yaml', broken)
    const r = await cli(['config', 'set', 'notes-db.host=x'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /config\.yaml:\d+:\d+: invalid YAML/)
    assert.equal(await read('config.yaml'), broken)
    await write('config.yaml', 'notes-db: [a]\n')
    const shape = await cli(['config', 'set', 'notes-db.host=x'])
    assert.equal(shape.code, 1)
    assert.match(shape.stderr, /config\.yaml:1:1: notes-db: expected a mapping, got a list/)
    assert.equal(await read('config.yaml'), 'notes-db: [a]\n')
  })

  test('config.yaml in the original format round-trips', async () => {
    const original =
      'notes-db:\n  host: db.internal\n  db_name: notes\nfilesystem:\n  paths: [/Users/me/src, /Users/me/docs]\n'
    await write('config.yaml', original)
    assert.equal((await cli(['config', 'read'])).stdout, original)
    assert.equal((await cli(['config', 'set', 'notes-db.port=1'])).code, 0)
    assert.equal(
      await read('config.yaml'),
      'notes-db:\n  host: db.internal\n  db_name: notes\n  port: 1\nfilesystem:\n  paths: [/Users/me/src, /Users/me/docs]\n',
    )
    assert.equal(await exists(path.join(mcp, 'registry.yaml')), false)
  })
})
