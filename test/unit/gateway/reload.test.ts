import assert from 'node:assert/strict'
import {mkdir, mkdtemp, rename, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'

import {createContext} from '../../../src/context.js'
import {describeDiff, diffConfigurations} from '../../../src/gateway/reload/diff.js'
import {ConfigWatcher, watchTargets} from '../../../src/gateway/reload/watch.js'
import {eventually} from '../../helpers/gateway.js'

type Config = Parameters<typeof diffConfigurations>[0]

function config(
  servers: Record<string, {image?: string; secret?: string; prefix?: string}>,
  tools = '{}',
): Config {
  return {
    servers: Object.entries(servers).map(([name, s]) => ({
      name,
      longLived: false,
      prefix: s.prefix,
      cacheKey: s.image ?? '',
    })),
    containers: new Map(
      Object.entries(servers).map(([name, s]) => [
        name,
        {
          name,
          entry: {image: s.image},
          evaluate: () => [],
          secretEnv: s.secret ? {TOKEN: s.secret} : {},
        } as never,
      ]),
    ),
    remotes: new Map(),
    toolFilterKey: tools,
  }
}

test('a reload diff names added, removed and changed servers and allowlist changes', () => {
  const before = config({a: {image: 'a:1'}, b: {image: 'b:1'}, c: {image: 'c:1'}})
  const after = config({a: {image: 'a:1'}, b: {image: 'b:2'}, d: {image: 'd:1'}}, '{"a":["x"]}')
  const diff = diffConfigurations(before, after)
  assert.deepEqual(diff, {added: ['d'], removed: ['c'], changed: ['b'], toolFilter: true})
  assert.equal(
    describeDiff(diff),
    'added: d; removed: c; restarted (definition, config or secrets changed): b; tool allowlists changed',
  )
  assert.equal(describeDiff(diffConfigurations(before, before)), 'nothing changed')
})

test('a changed secret value restarts its server, and the diff never carries the value', () => {
  const diff = diffConfigurations(config({a: {secret: 'old-value'}}), config({a: {secret: 'new-value'}}))
  assert.deepEqual(diff.changed, ['a'])
  assert.doesNotMatch(JSON.stringify(diff) + describeDiff(diff), /old-value|new-value/)
})

test('a prefix change restarts the server (its tools are exposed under other names)', () => {
  assert.deepEqual(diffConfigurations(config({a: {prefix: 'x'}}), config({a: {prefix: 'y'}})).changed, ['a'])
})

test('the watcher sees an atomic rename, a file created later and a directory created later, debounced', async () => {
  const home = await mkdtemp(path.join(tmpdir(), 'docker-mcp-watch-'))
  // The watcher never keeps a process alive (not persistent, timers unref'd): this test must.
  const keepAlive = setInterval(() => {}, 1000)
  try {
    const ctx = createContext({
      env: {HOME: home, DOCKER_CONFIG: path.join(home, '.docker')},
      root: home,
      cwd: home,
    })
    await mkdir(ctx.paths.mcpDir, {recursive: true})
    const batches: string[][] = []
    const watcher = new ConfigWatcher(
      watchTargets(ctx, {}),
      (paths) => batches.push(paths.map((p) => path.relative(ctx.paths.mcpDir, p))),
      {debounceMs: 300, retryMs: 50},
    )
    // What the batches from `from` on report once one holds `want`, less late echoes of earlier phases:
    // fs.watch reports a writeFile twice (its truncate, then its data), and on a loaded machine the second
    // came after the debounce, as a batch of its own (CI: ['config.yaml', 'catalogs'] for the second phase).
    const reported = async (from: number, want: string, echoes: readonly string[]) => {
      const since = await eventually(
        async () => batches.slice(from),
        (later) => later.some((b) => b.includes(want)),
        20_000,
      )
      return since.flat().filter((p) => !echoes.includes(p))
    }
    try {
      // Three writes in a row are one reload; the temp file of the atomic write does not count.
      await writeFile(`${ctx.paths.registry}.tmp`, 'registry: {}\n')
      await rename(`${ctx.paths.registry}.tmp`, ctx.paths.registry)
      await writeFile(ctx.paths.tools, 'a: [x]\n')
      await writeFile(ctx.paths.config, 'a: {}\n')
      assert.deepEqual(await reported(0, 'config.yaml', []), ['registry.yaml', 'tools.yaml', 'config.yaml'])
      assert.equal(batches.length, 1, JSON.stringify(batches))
      const firstPhase = batches[0]!
      // A file nobody reads changes nothing; the catalogs directory, created later, is watched once it exists.
      let from = batches.length
      await writeFile(path.join(ctx.paths.mcpDir, 'notes.txt'), 'x')
      await mkdir(ctx.paths.catalogsDir)
      assert.deepEqual(await reported(from, 'catalogs', firstPhase), ['catalogs'])
      from = batches.length
      await writeFile(path.join(ctx.paths.catalogsDir, 'team.yaml'), 'registry: {}\n')
      const team = path.join('catalogs', 'team.yaml')
      assert.deepEqual(await reported(from, team, [...firstPhase, 'catalogs']), [team])
    } finally {
      watcher.close()
    }
  } finally {
    clearInterval(keepAlive)
    await rm(home, {recursive: true, force: true})
  }
})
