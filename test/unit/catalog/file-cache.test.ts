import assert from 'node:assert/strict'
import {mkdir, readdir, readFile, rm, stat, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {afterEach, beforeEach, describe, test} from 'node:test'

import {
  codeId,
  jsonExact,
  readCachedFile,
  type CachedKind,
  type FileCache,
} from '../../../src/catalog/file-cache.js'
import {readCatalogIndex} from '../../../src/catalog/index-file.js'
import {loadServers, readCatalogData} from '../../../src/catalog/load.js'
import {catalogData, catalogFromYaml, readCatalogFile} from '../../../src/catalog/validate.js'
import {readYamlFile} from '../../../src/catalog/yaml-file.js'
import {createContext, type Context} from '../../../src/context.js'
import {FileFormatError} from '../../../src/errors.js'
import {readRegistry} from '../../../src/registry/index.js'
import {registryNames} from '../../../src/registry/validate.js'
import {readServerConfig} from '../../../src/server-config/config.js'
import {readToolsConfig} from '../../../src/server-config/tools.js'
import {makeSandbox, ROOT, run, type Sandbox} from '../../helpers/sandbox.js'

const TEAM = `name: team
displayName: Team
registry:
  notes:
    image: notes:1
    title: Notes
    env:
      - name: PORT
        value: 8080
    secrets:
      - name: notes.token
        env: NOTES_TOKEN
    config:
      - name: notes
        type: object
        properties:
          dir: {type: string}
        required: [dir]
`

let sandbox: Sandbox
let ctx: Context

beforeEach(async () => {
  sandbox = await makeSandbox()
  ctx = createContext({env: sandbox.env, root: ROOT, cwd: sandbox.home})
})
afterEach(() => sandbox.cleanup())

async function write(file: string, text: string): Promise<string> {
  await mkdir(path.dirname(file), {recursive: true})
  await writeFile(file, text)
  return file
}

/** Every file `server ls` and `tools ls` read, with a user catalog. */
async function writeAll(): Promise<{team: string}> {
  await write(
    ctx.paths.catalogIndex,
    JSON.stringify({catalogs: {team: {displayName: 'Team', url: 'https://example.com/team.yaml'}}}),
  )
  const team = await write(path.join(ctx.paths.catalogsDir, 'team.yaml'), TEAM)
  await write(ctx.paths.registry, 'registry:\n  notes: {ref: ""}\n  dice: {ref: ""}\n')
  await write(ctx.paths.config, 'notes:\n  dir: /data\n')
  await write(ctx.paths.tools, 'notes: [read, 7]\n')
  return {team}
}

async function readAll(c: Context) {
  return {
    servers: await loadServers(c),
    index: await readCatalogIndex(c),
    registry: await readRegistry(c),
    config: await readServerConfig(c),
    tools: await readToolsConfig(c),
  }
}

/** Cache entries: file name → inode (an entry rewritten by a miss gets a new inode). */
async function entries(): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const names = await readdir(ctx.paths.fileCacheDir).catch(() => [] as string[])
  // Not the temp files of writes still in flight (a read that failed does not wait for the others).
  for (const name of names.filter((n) => !n.startsWith('.')).sort())
    out.set(name, (await stat(path.join(ctx.paths.fileCacheDir, name))).ino)
  return out
}

/** The entry (parsed) made for `file`. */
async function entryFor(file: string): Promise<{name: string; entry: Record<string, unknown>} | undefined> {
  for (const name of (await entries()).keys()) {
    const entry = JSON.parse(await readFile(path.join(ctx.paths.fileCacheDir, name), 'utf8')) as {
      file: string
    }
    if (entry.file === file) return {name, entry}
  }
  return undefined
}

/** A catalog kind that counts how often the validator runs (every run is a parse). */
function countingKind(): CachedKind<unknown> & {parses: number} {
  const kind = {
    name: 'catalog',
    parses: 0,
    check: async () => (y: Parameters<typeof catalogData>[0]) => {
      kind.parses++
      return catalogData(y)
    },
  }
  return kind
}

async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof FileFormatError, `expected a FileFormatError, got ${String(err)}`)
    return err.message
  }
  assert.fail('expected an error')
}

describe('file cache of validated files', () => {
  test('a hit returns exactly what a fresh parse returns, for every kind of file, without rewriting', async () => {
    const {team} = await writeAll()
    const cold = await readAll(ctx)
    const made = await entries()
    // The shipped catalog, team.yaml, catalog.json, registry.yaml, config.yaml and tools.yaml.
    assert.equal(made.size, 6)
    const warm = await readAll(ctx)
    assert.deepStrictEqual(warm, cold)
    assert.deepStrictEqual(await entries(), made, 'a hit writes nothing')

    // ... and what the validators make of the file now.
    const fresh = catalogFromYaml((await readYamlFile(team))!)
    assert.deepStrictEqual((await readCatalogData(ctx, team))?.data, fresh.data)
    assert.equal(warm.servers.servers.get('notes')?.entry.env?.[0]?.value, '8080')
    assert.deepStrictEqual(warm.tools, {notes: ['read', '7']})
    assert.deepStrictEqual(warm.registry, ['notes', 'dice'])
  })

  test('a hit is served from the entry: the file is neither parsed nor validated again', async () => {
    const {team} = await writeAll()
    const cache: FileCache = {dir: ctx.paths.fileCacheDir, code: 'test'}
    const kind = countingKind()
    const first = await readCachedFile(cache, team, kind)
    const second = await readCachedFile(cache, team, kind)
    assert.equal(kind.parses, 1)
    assert.deepStrictEqual(second, first)

    // What the readers return is the entry's data as long as the file's identity matches it.
    await readRegistry(ctx)
    const found = (await entryFor(ctx.paths.registry))!
    await writeFile(
      path.join(ctx.paths.fileCacheDir, found.name),
      JSON.stringify({...found.entry, data: ['from-the-cache']}),
    )
    assert.deepStrictEqual(await readRegistry(ctx), ['from-the-cache'])
  })

  test('editing a file by hand (same size, other content, mtime bumped) misses', async () => {
    const {team} = await writeAll()
    // A clock a minute ahead: the file is not racily recent, so the entry relies on its identity alone.
    const cache: FileCache = {dir: ctx.paths.fileCacheDir, code: 'test', now: () => Date.now() + 60_000}
    const kind = countingKind()
    await readCachedFile(cache, team, kind)
    assert.equal((await entryFor(path.resolve(team)))?.entry.sha256, undefined)
    const {mtime} = await stat(team)
    await writeFile(team, TEAM.replace('notes:1', 'notes:2'))
    await utimes(team, mtime, new Date(mtime.getTime() + 1000))
    const after = (await readCachedFile(cache, team, kind)) as {registry: {notes: {image: string}}}
    assert.equal(after.registry.notes.image, 'notes:2')
    assert.equal(kind.parses, 2)

    // Through the readers (racily recent files, verified by content) as well.
    assert.equal((await loadServers(ctx)).servers.get('notes')?.entry.image, 'notes:2')
    await writeFile(team, TEAM.replace('notes:1', 'notes:3'))
    assert.equal((await loadServers(ctx)).servers.get('notes')?.entry.image, 'notes:3')
  })

  test('an entry made while the file was recently changed is trusted only with the same content', async () => {
    const {team} = await writeAll()
    const cache: FileCache = {dir: ctx.paths.fileCacheDir, code: 'test'}
    const kind = countingKind()
    await readCachedFile(cache, team, kind)
    const found = (await entryFor(path.resolve(team)))!
    assert.match(String(found.entry.sha256), /^[0-9a-f]{64}$/)
    await readCachedFile(cache, team, kind)
    assert.equal(kind.parses, 1)
    // Same identity, other content (a second edit within one timestamp tick): the hash tells.
    await writeFile(
      path.join(ctx.paths.fileCacheDir, found.name),
      JSON.stringify({...found.entry, sha256: '0'.repeat(64)}),
    )
    await readCachedFile(cache, team, kind)
    assert.equal(kind.parses, 2)
  })

  test('entries of other code (a rebuild, an upgrade) are not trusted', async () => {
    const {team} = await writeAll()
    const kind = countingKind()
    await readCachedFile({dir: ctx.paths.fileCacheDir, code: 'build-1'}, team, kind)
    await readCachedFile({dir: ctx.paths.fileCacheDir, code: 'build-2'}, team, kind)
    assert.equal(kind.parses, 2)
    assert.notEqual(await codeId(ROOT), await codeId(sandbox.home), 'the build identity names the root')
  })

  test('an invalid file fails exactly as without the cache, every time, and is never cached', async () => {
    const {team} = await writeAll()
    await readAll(ctx)
    const cases: Array<[string, string, string]> = [
      [
        'registry:\n  notes: [\n',
        `${team}:3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
        'syntax',
      ],
      [
        'registry:\n  notes:\n    image: notes\n    longLived: "yes"\n',
        `${team}:4:5: registry.notes.longLived: expected true or false, got the string "yes"`,
        'schema',
      ],
    ]
    for (const [text, expected, what] of cases) {
      // The entry of the valid version is still there: it must not be served for the broken file.
      assert.ok(await entryFor(team))
      await writeFile(team, text)
      const uncached = await errorOf(readCatalogFile(team))
      assert.equal(uncached, expected, what)
      assert.equal(await errorOf(loadServers(ctx)), uncached, what)
      await rm(ctx.paths.fileCacheDir, {recursive: true, maxRetries: 5})
      assert.equal(await errorOf(loadServers(ctx)), uncached, `${what}, again`)
      assert.equal(await entryFor(team), undefined, `${what}: not cached`)
      await writeFile(team, TEAM)
      await loadServers(ctx)
    }

    await writeFile(ctx.paths.registry, 'registry: [notes]\n')
    const y = (await readYamlFile(ctx.paths.registry))!
    const uncached = await errorOf(Promise.resolve().then(() => registryNames(y)))
    assert.equal(uncached, `${ctx.paths.registry}:1:1: registry: expected a mapping, got a list`)
    assert.equal(await errorOf(readRegistry(ctx)), uncached)
  })

  test('a cache that cannot be written does not fail the read', async () => {
    await writeAll()
    const expected = await readAll(createContext({env: sandbox.env, root: ROOT, cwd: sandbox.home}))
    // The cache directory is a file: every entry write fails (as on a read-only or full disk).
    await rm(ctx.paths.cacheDir, {recursive: true})
    await write(ctx.paths.cacheDir, 'not a directory')
    assert.deepStrictEqual(await readAll(ctx), expected)
    assert.deepStrictEqual(await readAll(ctx), expected)
  })

  test('an unreadable entry is a miss, and is replaced', async () => {
    const {team} = await writeAll()
    await readCatalogData(ctx, team)
    const found = (await entryFor(team))!
    await writeFile(path.join(ctx.paths.fileCacheDir, found.name), '{"format": 1, "data": ')
    assert.equal((await readCatalogData(ctx, team))?.registry.notes?.image, 'notes:1')
    assert.equal((await entryFor(team))?.entry.file, team)
  })

  test('data JSON would not give back exactly is returned but not cached', async () => {
    const team = await write(
      path.join(ctx.paths.catalogsDir, 'team.yaml'),
      'name: team\nregistry:\n  notes:\n    prompts: {limit: .inf}\n',
    )
    const data = await readCatalogData(ctx, team)
    assert.deepStrictEqual(data?.registry.notes?.prompts, {limit: Infinity})
    assert.equal(await entryFor(team), undefined)
  })

  test('jsonExact: only what JSON.parse(JSON.stringify(x)) gives back unchanged', () => {
    for (const ok of [null, true, 'x', 1.5, [1, 'a', null], {a: {b: [{}]}}, Object.create(null)])
      assert.equal(jsonExact(ok), true, JSON.stringify(ok))
    const shared = {x: 1}
    assert.equal(jsonExact({a: shared, b: shared}), true, 'a shared object is two equal objects')
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    for (const bad of [
      undefined,
      Infinity,
      NaN,
      -0,
      1n,
      new Date(0),
      new Map(),
      [undefined],
      {a: undefined},
      // eslint-disable-next-line no-sparse-arrays
      [1, , 2],
      JSON.parse('{"__proto__": 1}'),
      cycle,
      () => 1,
    ])
      assert.equal(jsonExact(bad), false, String(bad))
  })

  test('a fresh process with a warm cache loads neither yaml nor zod (a cold one does)', async () => {
    await writeAll()
    const child = async (label: string) => {
      const record = path.join(sandbox.home, `${label}.modules`)
      const r = await run(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'test/helpers/read-path.ts'), ROOT, record],
        {env: sandbox.env},
      )
      assert.equal(r.code, 0, r.stderr)
      const urls = (await readFile(record, 'utf8')).split('\n')
      return {
        output: JSON.parse(r.stdout) as unknown,
        yaml: urls.some((u) => u.includes('/node_modules/yaml/')),
        zod: urls.some((u) => u.includes('/node_modules/zod/')),
      }
    }
    const cold = await child('cold')
    assert.deepStrictEqual([cold.yaml, cold.zod], [true, true], 'a miss parses and validates')
    let warm = await child('warm')
    // A build between the two runs (another checkout building in this tree) changes the code identity,
    // and so the cache key: then this run was a miss that re-made the entries, and the next one hits.
    if (warm.yaml || warm.zod) warm = await child('warm-again')
    assert.deepStrictEqual([warm.yaml, warm.zod], [false, false], 'a hit needs neither module')
    assert.deepStrictEqual(warm.output, cold.output)
  })
})
