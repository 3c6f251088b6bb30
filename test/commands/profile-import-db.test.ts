/**
 * `profile import-db`: the original's profile database (`~/.docker/mcp/mcp-toolkit.db`, SQLite) imported
 * through the CLI. The database is built here with sql.js in the original's schema (its `working_set`
 * table: id, name, and the servers and secrets as JSON text), with rows as the original writes them.
 */
import assert from 'node:assert/strict'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import initSqlJs from 'sql.js'

import {makeSandbox, runCli, type Sandbox} from '../helpers/sandbox.js'

let sandbox: Sandbox
let mcp: string
let dbFile: string
const cli = (args: string[]) => runCli(sandbox, args, {env: {OCLIF_COLUMNS: '1000'}, cwd: sandbox.home})
const json = async (args: string[]) => {
  const r = await cli([...args, '--json'])
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout)
}

/** The original's table of working sets, as its first migration creates it. */
const WORKING_SET_DDL = `CREATE TABLE working_set (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  servers TEXT NOT NULL CHECK (json_valid(servers)),
  secrets TEXT NOT NULL CHECK (json_valid(secrets))
)`

type Row = {id: string; name: string; servers: unknown; secrets: unknown}

/** A database file with `rows` in the original's schema (or the DDL given). */
async function makeDatabase(file: string, rows: Row[], ddl = WORKING_SET_DDL): Promise<void> {
  const resolve = createRequire(import.meta.url).resolve
  const wasm = await readFile(resolve('sql.js/dist/sql-wasm.wasm'))
  const SQL = await initSqlJs({wasmBinary: wasm.buffer.slice(0) as ArrayBuffer})
  const db = new SQL.Database()
  // The original's migration bookkeeping table (golang-migrate) is there too; the import ignores it.
  db.run('CREATE TABLE schema_migrations (version uint64, dirty bool)')
  db.run("INSERT INTO schema_migrations VALUES (7, 'false')")
  db.run(ddl)
  for (const r of rows)
    db.run('INSERT INTO working_set (id, name, servers, secrets) VALUES (?, ?, ?, ?)', [
      r.id,
      r.name,
      JSON.stringify(r.servers),
      JSON.stringify(r.secrets),
    ])
  await mkdir(path.dirname(file), {recursive: true})
  await writeFile(file, db.export())
  db.close()
}

const SECRETS = {default: {provider: 'docker-desktop-store'}}
const ROWS: Row[] = [
  {
    id: 'dev',
    name: 'Dev tools',
    servers: [
      // As Go marshals db.Server: tools always present (null = every tool), the rest omitempty.
      {type: 'image', image: 'mcp/time:latest', secrets: 'default', tools: null},
      {
        type: 'image',
        image: 'dice-mcp-server:latest',
        config: {sides: 20},
        secrets: 'default',
        tools: ['roll_dice'],
      },
    ],
    secrets: SECRETS,
  },
  {
    id: 'remote-only',
    name: 'Remote',
    servers: [
      {
        type: 'remote',
        endpoint: 'https://mcp.example.com/mcp',
        tools: [],
        snapshot: {
          server: {name: 'example-remote', type: 'remote', remote: {url: 'https://mcp.example.com/mcp'}},
        },
      },
    ],
    secrets: {},
  },
  {id: 'empty', name: 'Nothing yet', servers: [], secrets: SECRETS},
]

before(async () => {
  sandbox = await makeSandbox()
  mcp = path.join(sandbox.dockerConfig, 'mcp')
  dbFile = path.join(mcp, 'mcp-toolkit.db')
})
after(() => sandbox.cleanup())

describe('profile import-db', () => {
  test('no database: a clear error naming the file, and profile ls gives no hint', async () => {
    const r = await cli(['profile', 'import-db'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /no profile database at .*mcp-toolkit\.db: nothing to import/)
    const ls = await cli(['profile', 'ls'])
    assert.equal(ls.code, 0, ls.stderr)
    assert.doesNotMatch(ls.stderr, /import-db/)
  })

  test('profile ls hints at the import when the database is there and there are no profiles yet', async () => {
    await makeDatabase(dbFile, ROWS)
    const ls = await cli(['profile', 'ls'])
    assert.equal(ls.code, 0, ls.stderr)
    assert.match(ls.stderr, /docker mcp profile import-db/)
    assert.equal(ls.stderr.trim().split('\n').length, 1)
    const asJson = await cli(['profile', 'ls', '--json'])
    assert.equal(asJson.code, 0, asJson.stderr)
    assert.doesNotMatch(asJson.stderr + asJson.stdout, /import-db/)
  })

  test('imports every working set from the default database, read only', async () => {
    const before = await readFile(dbFile)
    const result = await json(['profile', 'import-db'])
    assert.deepEqual(result.imported, [
      {id: 'dev', name: 'Dev tools', servers: 2, action: 'created'},
      {id: 'empty', name: 'Nothing yet', servers: 0, action: 'created'},
      {id: 'remote-only', name: 'Remote', servers: 1, action: 'created'},
    ])
    assert.deepEqual(result.skipped, [])
    assert.deepEqual(result.failed, [])
    assert.deepEqual(await readFile(dbFile), before, 'the database is never written')

    const dev = await json(['profile', 'show', 'dev'])
    assert.equal(dev.name, 'Dev tools')
    assert.deepEqual(dev.secrets, SECRETS)
    const time = dev.servers.find((s: {image: string}) => s.image === 'mcp/time:latest')
    const dice = dev.servers.find((s: {image: string}) => s.image === 'dice-mcp-server:latest')
    assert.equal(time.tools, undefined, 'tools null = every tool')
    assert.equal(time.snapshot.server.name, 'time', 'the catalog entry of the image is filled in')
    assert.deepEqual(dice.config, {sides: 20})
    assert.deepEqual(dice.tools, ['roll_dice'])
    const remote = await json(['profile', 'show', 'remote-only'])
    assert.equal(remote.servers[0].endpoint, 'https://mcp.example.com/mcp')
    assert.deepEqual(remote.servers[0].tools, [])
    assert.equal(remote.servers[0].snapshot.server.name, 'example-remote')
    const ids = (await json(['profile', 'ls'])).map((p: {id: string}) => p.id)
    assert.deepEqual(ids, ['default', 'dev', 'empty', 'remote-only'])
    // Profiles here now: no more hint.
    assert.doesNotMatch((await cli(['profile', 'ls'])).stderr, /import-db/)
  })

  test('profiles that exist are skipped, and said so; --force replaces them', async () => {
    const again = await cli(['profile', 'import-db'])
    assert.equal(again.code, 0, again.stderr)
    assert.match(
      again.stdout,
      /^Skipped profile dev: a profile of this id exists here \(--force replaces it\)$/m,
    )
    assert.match(again.stdout, /^Skipped profile remote-only: /m)
    assert.doesNotMatch(again.stdout, /^Imported/m)
    const forced = await json(['profile', 'import-db', dbFile, '--force'])
    assert.deepEqual(
      forced.imported.map((p: {id: string; action: string}) => `${p.id}:${p.action}`),
      ['dev:updated', 'empty:updated', 'remote-only:updated'],
    )
  })

  test('a working set named default goes into the legacy files (registry.yaml, config.yaml, tools.yaml)', async () => {
    const file = path.join(sandbox.home, 'with-default.db')
    await makeDatabase(file, [
      {
        id: 'default',
        name: 'Default',
        servers: [{type: 'image', image: 'dice-mcp-server:latest', config: {sides: 8}, tools: ['roll_dice']}],
        secrets: SECRETS,
      },
    ])
    const r = await json(['profile', 'import-db', file])
    assert.deepEqual(r.imported, [{id: 'default', name: 'Default', servers: 1, action: 'updated'}])
    assert.match(await readFile(path.join(mcp, 'registry.yaml'), 'utf8'), /dice/)
    assert.match(await readFile(path.join(mcp, 'config.yaml'), 'utf8'), /sides: 8/)
    // Now default has servers: it exists, and is skipped without --force.
    const again = await json(['profile', 'import-db', file])
    assert.deepEqual(
      again.skipped.map((s: {id: string}) => s.id),
      ['default'],
    )
  })

  test('a working set that fails validation is named with its field; the others still import (exit 1)', async () => {
    const file = path.join(sandbox.home, 'mixed.db')
    await makeDatabase(file, [
      {
        id: 'good',
        name: 'Good',
        servers: [{type: 'image', image: 'mcp/time:latest', tools: null}],
        secrets: SECRETS,
      },
      {id: 'bad-type', name: 'Bad', servers: [{type: 'poci', image: 'x/y:1', tools: null}], secrets: SECRETS},
      {id: 'bad-image', name: 'No image', servers: [{type: 'image', tools: null}], secrets: SECRETS},
    ])
    const r = await cli(['profile', 'import-db', file, '--json'])
    assert.equal(r.code, 1, r.stderr)
    const result = JSON.parse(r.stdout)
    assert.deepEqual(
      result.imported.map((p: {id: string}) => p.id),
      ['good'],
    )
    const failed = Object.fromEntries(result.failed.map((f: {id: string; error: string}) => [f.id, f.error]))
    assert.deepEqual(Object.keys(failed).sort(), ['bad-image', 'bad-type'])
    assert.match(failed['bad-type'], /working set "bad-type".*servers\[0\]\.type/s)
    assert.match(
      failed['bad-image'],
      /working set "bad-image".*servers\[0\]\.image: required for type "image"/s,
    )
    const human = await cli(['profile', 'import-db', file, '--force'])
    assert.equal(human.code, 1)
    assert.match(human.stdout, /^Imported profile good \(1 server\)$/m)
    assert.match(human.stderr, /^Failed to import profile bad-type: /m)
    assert.equal((await cli(['profile', 'show', 'bad-type'])).code, 1)
  })

  test('not a SQLite file; a schema it does not know (table, then column, named)', async () => {
    const notDb = path.join(sandbox.home, 'not.db')
    await writeFile(notDb, 'version: 1\nid: x\n')
    let r = await cli(['profile', 'import-db', notDb])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /not\.db is not a SQLite database/)

    // The header of a SQLite file, then garbage: a damaged database.
    const damaged = path.join(sandbox.home, 'damaged.db')
    await writeFile(damaged, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(600, 0xab)]))
    r = await cli(['profile', 'import-db', damaged])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /damaged\.db is not a readable SQLite database/)

    const noTable = path.join(sandbox.home, 'no-table.db')
    await makeDatabase(noTable, [], 'CREATE TABLE other (id TEXT)')
    r = await cli(['profile', 'import-db', noTable])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /no-table\.db: unknown database schema: no table "working_set"/)

    const noColumn = path.join(sandbox.home, 'no-column.db')
    await makeDatabase(
      noColumn,
      [],
      'CREATE TABLE working_set (id TEXT PRIMARY KEY, name TEXT, servers TEXT)',
    )
    r = await cli(['profile', 'import-db', noColumn])
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /no-column\.db: unknown database schema: table "working_set" has no column "secrets"/,
    )

    r = await cli(['profile', 'import-db', path.join(sandbox.home, 'missing.db')])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /no profile database at .*missing\.db/)
  })
})
