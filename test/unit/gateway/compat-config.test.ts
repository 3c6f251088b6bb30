import assert from 'node:assert/strict'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {createContext, type Context} from '../../../src/context.js'
import {loadGatewayConfiguration} from '../../../src/gateway/configuration.js'
import {silentLogger} from '../../../src/gateway/logger.js'

/** Docker's --additional-registry/-config/-tools-config and --enable-all-servers, at the configuration level. */
let dir: string
let ctx: Context
let catalog: string

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-compat-'))
  const env = {HOME: dir, DOCKER_CONFIG: path.join(dir, '.docker')}
  ctx = createContext({env, root: process.cwd(), cwd: dir})
  const mcp = ctx.paths.mcpDir
  await mkdir(mcp, {recursive: true})
  catalog = path.join(dir, 'compat.yaml')
  await writeFile(
    catalog,
    [
      'name: compat',
      'displayName: Compat',
      'registry:',
      '  a: {image: example/a}',
      '  b:',
      '    image: example/b',
      '    env: [{name: B_NAME, value: "{{b.name}}"}]',
      '  c: {image: example/c}',
      '',
    ].join('\n'),
  )
  await writeFile(path.join(mcp, 'registry.yaml'), 'registry:\n  a: {ref: ""}\n')
  await writeFile(path.join(mcp, 'config.yaml'), 'b:\n  name: base\n')
  await writeFile(path.join(mcp, 'tools.yaml'), 'a: [t1]\nb: [t1]\n')
  await writeFile(path.join(dir, 'extra-registry.yaml'), 'registry:\n  b: {ref: ""}\n')
  await writeFile(path.join(dir, 'extra-config.yaml'), 'b:\n  name: extra\n')
  await writeFile(path.join(dir, 'extra-tools.yaml'), 'b: [t2]\n')
})
after(() => rm(dir, {recursive: true, force: true}))

test('--additional-* files are read after the default files: their servers enabled, their config and allowlists win', async () => {
  const configuration = await loadGatewayConfiguration(
    ctx,
    {
      catalog: [catalog],
      additionalRegistry: ['./extra-registry.yaml'],
      additionalConfig: ['./extra-config.yaml'],
      additionalToolsConfig: ['./extra-tools.yaml'],
    },
    silentLogger,
  )
  assert.deepEqual(
    configuration.servers.map((s) => s.name),
    ['a', 'b'],
  )
  assert.deepEqual(configuration.containers.get('b')!.evaluate('{{b.name}}'), ['extra'])
  assert.equal(configuration.toolFilter('a', 't1'), true, 'tools.yaml still applies to a')
  assert.equal(configuration.toolFilter('b', 't2'), true)
  assert.equal(configuration.toolFilter('b', 't1'), false, 'the later file wins for b')
  assert.deepEqual(configuration.warnings, [])
})

test('a missing --additional-* file is named in a warning and read as empty', async () => {
  const configuration = await loadGatewayConfiguration(
    ctx,
    {catalog: [catalog], additionalRegistry: ['nope.yaml']},
    silentLogger,
  )
  assert.deepEqual(
    configuration.servers.map((s) => s.name),
    ['a'],
  )
  assert.match(
    configuration.warnings.join('\n'),
    /--additional-registry nope\.yaml: .*nope\.yaml does not exist/,
  )
})

test('--enable-all-servers enables every server of the catalogs read; not with --servers', async () => {
  const all = await loadGatewayConfiguration(ctx, {catalog: [catalog], enableAllServers: true}, silentLogger)
  assert.deepEqual(
    all.servers.map((s) => s.name),
    ['a', 'b', 'c'],
  )
  await assert.rejects(
    loadGatewayConfiguration(ctx, {catalog: [catalog], enableAllServers: true, servers: ['a']}, silentLogger),
    /cannot use --enable-all-servers with --servers/,
  )
})
