/**
 * The default profile is registry.yaml + config.yaml + tools.yaml, both ways: legacy edits show in the
 * profile, profile edits land in the legacy files (comments and other servers' sections kept), and a
 * legacy file that does not validate is never overwritten.
 */
import assert from 'node:assert/strict'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {createContext, type Context} from '../../../src/context.js'
import {
  addProfileServers,
  exportProfile,
  getProfile,
  importProfile,
  removeProfileServers,
  updateProfileConfig,
  updateProfileTools,
} from '../../../src/profiles/index.js'
import {serverName} from '../../../src/profiles/format.js'
import {enableServers} from '../../../src/registry/index.js'
import {writeConfigText} from '../../../src/server-config/config.js'
import {disableTools} from '../../../src/server-config/tools.js'
import {ROOT} from '../../helpers/sandbox.js'

let home: string
let ctx: Context
const mcp = (f: string) => path.join(ctx.paths.mcpDir, f)
const read = (f: string) => readFile(mcp(f), 'utf8')

before(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'docker-mcp-profiles-'))
  ctx = createContext({env: {HOME: home, DOCKER_CONFIG: path.join(home, '.docker')}, root: ROOT, cwd: home})
  await mkdir(ctx.paths.mcpDir, {recursive: true})
})
after(() => rm(home, {recursive: true, force: true}))

test('legacy commands → default profile', async () => {
  await enableServers(ctx, ['dice', 'fetch'])
  await writeConfigText(ctx, 'dice:\n  sides: 20\n') // `docker mcp config write`
  await disableTools(ctx, ['flip_coin'], {server: 'dice'})
  const {profile} = await getProfile(ctx, 'default')
  assert.deepEqual(profile.servers.map(serverName), ['dice', 'fetch'])
  const dice = profile.servers[0]!
  assert.deepEqual(dice.config, {sides: 20})
  assert.deepEqual(dice.tools, ['roll_dice'])
  assert.equal(dice.image, 'dice-mcp-server:latest')
  assert.equal(profile.servers[1]!.tools, undefined)
})

test('default profile → legacy files, keeping comments and the other sections', async () => {
  await writeFile(mcp('config.yaml'), '# my settings\nfetch:\n  timeout: 5 # seconds\ndice:\n  sides: 20\n')
  await addProfileServers(ctx, 'default', ['catalog://docker-mcp/time'])
  assert.match(await read('registry.yaml'), /time:\n {4}ref: ""/)
  await updateProfileConfig(ctx, 'default', {set: ['dice.sides=6', 'time.zone="UTC"']})
  const config = await read('config.yaml')
  assert.match(config, /^# my settings\nfetch:\n {2}timeout: 5 # seconds\n/)
  assert.match(config, /dice:\n {2}sides: 6\n/)
  assert.match(config, /time:\n {2}zone: UTC\n/)
  await updateProfileTools(ctx, 'default', {enableAll: ['dice'], disable: ['time.convert_time']})
  assert.equal(await read('tools.yaml'), 'time: [get_current_time]\n')
  await removeProfileServers(ctx, 'default', ['fetch'])
  assert.doesNotMatch(await read('registry.yaml'), /fetch/)
  const {profile} = await getProfile(ctx, 'default')
  assert.deepEqual(profile.servers.map(serverName), ['dice', 'time'])
})

test('a server from no catalog cannot enter registry.yaml: clear error, nothing written', async () => {
  const before = await read('registry.yaml')
  await assert.rejects(
    addProfileServers(ctx, 'default', ['docker://example/unknown:1']),
    /the default profile is registry\.yaml, which holds catalog servers only: unknown is in no catalog/,
  )
  assert.equal(await read('registry.yaml'), before)
})

test('a broken config.yaml is never overwritten: the error names file, line and field', async () => {
  await writeFile(mcp('config.yaml'), 'dice: [1, 2]\n')
  await assert.rejects(
    updateProfileConfig(ctx, 'default', {set: ['dice.sides=8']}),
    /config\.yaml:1:\d+: dice: expected a mapping/,
  )
  assert.equal(await read('config.yaml'), 'dice: [1, 2]\n')
  await writeFile(mcp('config.yaml'), 'dice:\n  sides: 6\n')
})

test('export default, import it under another id: same servers, config and tools', async () => {
  const {document} = await exportProfile(ctx, 'default', 'yaml')
  const imported = await importProfile(ctx, document, {id: 'copy'})
  assert.equal(imported.action, 'created')
  const a = (await getProfile(ctx, 'default')).profile
  const b = (await getProfile(ctx, 'copy')).profile
  const view = (p: typeof a) => p.servers.map((s) => [serverName(s), s.config, s.tools])
  assert.deepEqual(view(b), view(a))
})

test('a registry artifact (no snapshots) imports with the catalog names of its images', async () => {
  const {document, mediaType} = await exportProfile(ctx, 'copy', 'artifact')
  assert.equal(mediaType, 'application/vnd.docker.mcp.profile.v1+json')
  assert.doesNotMatch(document, /snapshot/)
  const imported = await importProfile(ctx, document, {id: 'pulled'})
  assert.deepEqual(imported.profile.servers.map(serverName), ['dice', 'time'])
  const copy = (await getProfile(ctx, 'copy')).profile
  assert.deepEqual(
    imported.profile.servers.map((s) => [s.config, s.tools]),
    copy.servers.map((s) => [s.config, s.tools]),
  )
})
