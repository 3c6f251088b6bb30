import assert from 'node:assert/strict'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {
  evaluateTemplate,
  loadServers,
  readRegistry,
  readServerConfig,
  readToolsConfig,
} from '../../../src/catalog/index.js'
import {createContext, type Context} from '../../../src/context.js'
import {DockerMcpError, FileFormatError} from '../../../src/errors.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
let home: string
let ctx: Context

async function write(rel: string, text: string): Promise<string> {
  const file = path.join(home, rel)
  await mkdir(path.dirname(file), {recursive: true})
  await writeFile(file, text)
  return file
}

before(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'docker-mcp-load-'))
  ctx = createContext({env: {HOME: home, DOCKER_CONFIG: path.join(home, '.docker')}, root: ROOT, cwd: home})
})
after(() => rm(home, {recursive: true, force: true}))

test('with nothing configured, the shipped Docker catalog is used and nothing is downloaded', async () => {
  const {servers, warnings} = await loadServers(ctx)
  assert.deepEqual(warnings, [])
  for (const name of [
    'dice',
    'time',
    'fetch',
    'filesystem',
    'memory',
    'sequentialthinking',
    'duckduckgo',
    'github-official',
  ])
    assert.equal(servers.get(name)?.catalog, 'docker-mcp', name)
  const dice = servers.get('dice')!
  assert.equal(dice.entry.image, 'dice-mcp-server:latest')
  assert.equal(dice.entry.longLived, false)
  assert.equal(dice.entry.disableNetwork, true)
  assert.deepEqual(
    dice.entry.tools?.map((t) => t.name),
    ['roll_dice', 'flip_coin'],
  )
  assert.equal(dice.file, path.join(ROOT, 'catalogs/docker-mcp.yaml'))
  const gh = servers.get('github-official')!
  assert.deepEqual(gh.entry.secrets?.[0], {
    name: 'github.personal_access_token',
    env: 'GITHUB_PERSONAL_ACCESS_TOKEN',
    description: gh.entry.secrets?.[0]?.description,
    example: gh.entry.secrets?.[0]?.example,
  })
})

test('the shipped filesystem entry templates volumes and arguments from config.yaml', async () => {
  const {servers} = await loadServers(ctx)
  const fs = servers.get('filesystem')!.entry
  const config = {filesystem: {paths: ['/src', '/docs']}}
  assert.deepEqual(
    fs.volumes!.flatMap((v) => evaluateTemplate(v, config)),
    ['/src:/src', '/docs:/docs'],
  )
  assert.deepEqual(
    fs.command!.flatMap((v) => evaluateTemplate(v, config)),
    ['/src', '/docs'],
  )
  assert.deepEqual(
    fs.volumes!.flatMap((v) => evaluateTemplate(v, {})),
    [],
  )
})

test('configured catalogs come after docker-mcp in catalog.json order; the later definition wins, with a warning', async () => {
  await write(
    '.docker/mcp/catalog.json',
    JSON.stringify({catalogs: {team: {displayName: 'Team'}, extra: {displayName: 'Extra'}}}),
  )
  await write(
    '.docker/mcp/catalogs/team.yaml',
    'name: team\nregistry:\n  dice: {image: team-dice}\n  notes: {image: notes}\n',
  )
  await write('.docker/mcp/catalogs/extra.yaml', 'name: extra\nregistry:\n  notes: {image: notes2}\n')
  const {servers, warnings} = await loadServers(ctx)
  assert.equal(servers.get('dice')!.catalog, 'team')
  assert.equal(servers.get('dice')!.entry.image, 'team-dice')
  assert.equal(servers.get('notes')!.entry.image, 'notes2')
  assert.deepEqual(warnings, [
    'server "dice" is defined in catalog "docker-mcp" and again in "team": using the one from "team"',
    'server "notes" is defined in catalog "team" and again in "extra": using the one from "extra"',
  ])
})

test('catalogs option: names, exactly docker-mcp means all, file paths, additional catalogs', async () => {
  const only = await loadServers(ctx, {catalogs: ['extra']})
  assert.deepEqual([...only.servers.keys()], ['notes'])
  const all = await loadServers(ctx, {catalogs: ['docker-mcp']})
  assert.equal(all.servers.get('dice')!.catalog, 'team')
  const file = await write('elsewhere/mine.yaml', 'name: mine\nregistry:\n  solo: {image: solo}\n')
  const byPath = await loadServers(ctx, {catalogs: [file], additionalCatalogs: ['extra']})
  assert.deepEqual([...byPath.servers.keys()], ['solo', 'notes'])
  assert.equal(byPath.servers.get('solo')!.catalog, 'mine')
  const relative = await loadServers(ctx, {catalogs: ['elsewhere/mine.yaml']})
  assert.deepEqual([...relative.servers.keys()], ['solo'])
  const bare = await loadServers(ctx, {catalogs: ['team.yaml']})
  assert.deepEqual([...bare.servers.keys()], ['dice', 'notes'])
})

test('an unknown catalog name is an error with suggestions; a missing explicit file too', async () => {
  await assert.rejects(loadServers(ctx, {catalogs: ['teem']}), (err: unknown) => {
    assert.ok(err instanceof DockerMcpError)
    assert.equal(err.message, 'catalog "teem" not found')
    assert.deepEqual(err.suggestions[0], 'did you mean "team"?')
    return true
  })
  await assert.rejects(
    loadServers(ctx, {catalogs: ['/nope/x.yaml']}),
    /catalog file \/nope\/x\.yaml does not exist/,
  )
})

test('a configured catalog without its file is a warning, not an error', async () => {
  await write(
    '.docker/mcp/catalog.json',
    JSON.stringify({catalogs: {team: {displayName: 'Team'}, gone: {displayName: 'Gone'}}}),
  )
  const {warnings} = await loadServers(ctx)
  assert.ok(
    warnings.some((w) => w.startsWith('catalog "gone" has no file')),
    warnings.join('\n'),
  )
})

test('a broken catalog fails loading with its file and line', async () => {
  await write('.docker/mcp/catalogs/gone.yaml', 'registry:\n  x:\n    image: [\n')
  await assert.rejects(
    loadServers(ctx),
    (err: unknown) => err instanceof FileFormatError && err.message.includes('gone.yaml:4:1: invalid YAML'),
  )
  await rm(path.join(home, '.docker/mcp/catalogs/gone.yaml'))
})

test('a user copy of docker-mcp replaces the shipped one', async () => {
  await write(
    '.docker/mcp/catalogs/docker-mcp.yaml',
    'name: docker-mcp\nregistry:\n  only-this: {image: x}\n',
  )
  const {servers} = await loadServers(ctx, {catalogs: ['docker-mcp'], additionalCatalogs: []})
  assert.equal(servers.has('time'), false)
  assert.equal(servers.get('only-this')!.catalog, 'docker-mcp')
  await rm(path.join(home, '.docker/mcp/catalogs/docker-mcp.yaml'))
})

test('readRegistry / readServerConfig / readToolsConfig: missing files are empty; several files merge, later wins', async () => {
  assert.deepEqual(await readRegistry(ctx), [])
  assert.deepEqual(await readServerConfig(ctx), {})
  assert.deepEqual(await readToolsConfig(ctx), {})
  await write('.docker/mcp/registry.yaml', 'registry:\n  dice:\n    ref: ""\n  fetch:\n    ref: ""\n')
  await write('r2.yaml', 'registry:\n  time: {ref: ""}\n  dice: {}\n')
  assert.deepEqual(await readRegistry(ctx), ['dice', 'fetch'])
  assert.deepEqual(await readRegistry(ctx, ['registry.yaml', path.join(home, 'r2.yaml')]), [
    'dice',
    'fetch',
    'time',
  ])
  await write('.docker/mcp/config.yaml', 'filesystem:\n  paths: [/a]\ndice:\n  sides: 6\nempty:\n')
  await write('c2.yaml', 'filesystem:\n  paths: [/b]\n')
  assert.deepEqual(await readServerConfig(ctx), {filesystem: {paths: ['/a']}, dice: {sides: 6}, empty: {}})
  assert.deepEqual((await readServerConfig(ctx, ['config.yaml', './c2.yaml'])).filesystem, {paths: ['/b']})
  await write('.docker/mcp/tools.yaml', 'github-official: [get_me, create_issue]\nduckduckgo: []\nnone:\n')
  await write('t2.yaml', 'duckduckgo: [search]\n')
  assert.deepEqual(await readToolsConfig(ctx), {
    'github-official': ['get_me', 'create_issue'],
    duckduckgo: [],
    none: [],
  })
  assert.deepEqual((await readToolsConfig(ctx, ['tools.yaml', './t2.yaml'])).duckduckgo, ['search'])
})

test('malformed registry, config and tools files are errors with file and line', async () => {
  await write('.docker/mcp/registry.yaml', 'registry:\n  - dice\n')
  await assert.rejects(readRegistry(ctx), /registry\.yaml:1:1: registry: expected a mapping, got a list$/)
  await write('.docker/mcp/config.yaml', 'filesystem: /a\n')
  await assert.rejects(
    readServerConfig(ctx),
    /config\.yaml:1:1: filesystem: expected a mapping, got the string "\/a"/,
  )
  await write('.docker/mcp/tools.yaml', 'dice: roll_dice\n')
  await assert.rejects(
    readToolsConfig(ctx),
    /tools\.yaml:1:1: dice: expected a list, got the string "roll_dice"/,
  )
})
