/**
 * The files under ~/.docker/mcp as several commands and users meet them: concurrent writers (8 and more
 * real CLI processes at once), file modes (0700 directory, 0600 files) and symlinked files (a user who
 * keeps registry.yaml in a dotfiles repo). Each test names the bug it guards against.
 */
import assert from 'node:assert/strict'
import {chmod, lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {makeSandbox, runCli, type Sandbox} from '../helpers/sandbox.js'

const N = 8
const posix = process.platform !== 'win32'
const range = (n: number) => Array.from({length: n}, (_, i) => i)

/** A catalog of N servers; s0 has N tools and N config keys, for concurrent tools/config edits. */
function raceCatalog(name: string): string {
  const tools = range(N)
    .map((i) => `{name: t${i}}`)
    .join(', ')
  const props = range(N)
    .map((i) => `k${i}: {type: string}`)
    .join(', ')
  const servers = range(N).map(
    (i) =>
      `  s${i}:\n    image: mcp/s${i}\n` +
      (i === 0
        ? `    tools: [${tools}]\n    config:\n      - {name: s0, type: object, properties: {${props}}}\n`
        : ''),
  )
  return `name: ${name}\nregistry:\n${servers.join('')}`
}

async function fresh(): Promise<{
  sandbox: Sandbox
  mcp: string
  cli: (args: string[]) => ReturnType<typeof runCli>
}> {
  const sandbox = await makeSandbox()
  const cli = (args: string[]) => runCli(sandbox, args, {env: {OCLIF_COLUMNS: '1000'}, cwd: sandbox.home})
  return {sandbox, mcp: path.join(sandbox.dockerConfig, 'mcp'), cli}
}

/** Run N copies of a command at once (real processes), and check every one succeeded. */
async function concurrently(
  cli: (args: string[]) => ReturnType<typeof runCli>,
  argsOf: (i: number) => string[],
) {
  const results = await Promise.all(range(N).map((i) => cli(argsOf(i))))
  results.forEach((r, i) => assert.equal(r.code, 0, `${argsOf(i).join(' ')}: ${r.stderr}`))
}

describe(`concurrent writers: ${N} CLI processes at once, every change survives`, () => {
  let ctx: Awaited<ReturnType<typeof fresh>>
  before(async () => {
    ctx = await fresh()
    const source = path.join(ctx.sandbox.home, 'race.yaml')
    await writeFile(source, raceCatalog('race'))
    const r = await ctx.cli(['catalog', 'import', source])
    assert.equal(r.code, 0, r.stderr)
  })
  after(() => ctx.sandbox.cleanup())

  // Before the lock, each process read registry.yaml, added its server and renamed its copy over the
  // file: 8 concurrent adds kept 2-5 of 8.
  test('server add', async () => {
    await concurrently(ctx.cli, (i) => ['server', 'add', `s${i}`])
    const ls = JSON.parse((await ctx.cli(['server', 'ls', '--json'])).stdout)
    const names = (ls.servers ?? ls).map((s: {name: string}) => s.name).sort()
    assert.deepEqual(
      names,
      range(N)
        .map((i) => `s${i}`)
        .sort(),
    )
  })

  test('server rm', async () => {
    await concurrently(ctx.cli, (i) => ['server', 'rm', `s${i}`])
    const registry = await readFile(path.join(ctx.mcp, 'registry.yaml'), 'utf8')
    assert.doesNotMatch(registry, /s\d/, registry)
  })

  test('config set', async () => {
    await concurrently(ctx.cli, (i) => ['config', 'set', `s0.k${i}=v${i}`])
    const config = JSON.parse((await ctx.cli(['config', 'read', '--json'])).stdout)
    assert.deepEqual(config.s0, Object.fromEntries(range(N).map((i) => [`k${i}`, `v${i}`])))
  })

  test('tools disable, then tools enable', async () => {
    await concurrently(ctx.cli, (i) => ['tools', 'disable', `t${i}`, '--server', 's0'])
    assert.equal((await readFile(path.join(ctx.mcp, 'tools.yaml'), 'utf8')).trim(), 's0: []')
    await concurrently(ctx.cli, (i) => ['tools', 'enable', `t${i}`, '--server', 's0'])
    const tools = (await readFile(path.join(ctx.mcp, 'tools.yaml'), 'utf8')).trim()
    assert.equal(
      tools,
      `s0: [${range(N)
        .map((i) => `t${i}`)
        .sort()
        .join(', ')}]`,
    )
  })

  test('catalog create (catalog.json)', async () => {
    await concurrently(ctx.cli, (i) => ['catalog', 'create', `c${i}`])
    const index = JSON.parse(await readFile(path.join(ctx.mcp, 'catalog.json'), 'utf8'))
    for (const i of range(N)) assert.ok(index.catalogs[`c${i}`], `c${i} in ${Object.keys(index.catalogs)}`)
    assert.ok(index.catalogs.race, 'the imported catalog is still there')
  })

  test('catalog add (one catalog file, N servers)', async () => {
    const source = path.join(ctx.sandbox.home, 'race.yaml')
    await concurrently(ctx.cli, (i) => ['catalog', 'add', 'c0', `s${i}`, source])
    const show = JSON.parse((await ctx.cli(['catalog', 'show', 'c0', '--json'])).stdout)
    assert.deepEqual(
      Object.keys(show.registry).sort(),
      range(N)
        .map((i) => `s${i}`)
        .sort(),
    )
  })

  test('catalog rm and fork at once', async () => {
    await Promise.all([
      concurrently(ctx.cli, (i) => ['catalog', 'rm', `c${i}`]),
      concurrently(ctx.cli, (i) => ['catalog', 'fork', 'race', `f${i}`]),
    ])
    const index = JSON.parse(await readFile(path.join(ctx.mcp, 'catalog.json'), 'utf8'))
    assert.deepEqual(Object.keys(index.catalogs).sort(), ['race', ...range(N).map((i) => `f${i}`)].sort())
    assert.equal(
      (await readdir(ctx.mcp)).filter((n) => n.endsWith('.lock')).length,
      0,
      'no lock file is left behind',
    )
  })
})

describe('file modes: ~/.docker/mcp is 0700, every file in it 0600', {skip: !posix}, () => {
  let ctx: Awaited<ReturnType<typeof fresh>>
  before(async () => (ctx = await fresh()))
  after(() => ctx.sandbox.cleanup())

  /** Every directory and file under mcp/, with its mode. */
  async function modes(dir: string, out: Record<string, number> = {}): Promise<Record<string, number>> {
    for (const entry of await readdir(dir, {withFileTypes: true})) {
      const p = path.join(dir, entry.name)
      out[path.relative(ctx.mcp, p)] = (await lstat(p)).mode & 0o777
      if (entry.isDirectory()) await modes(p, out)
    }
    return out
  }

  // Before: registry.yaml, config.yaml, tools.yaml, catalog.json and catalogs/ were 0644/0755 (the
  // umask's), readable by every local user; config values can hold hosts, paths and tokens.
  test('created by the commands: directories 0700, files 0600 (catalogs/ and cache/ included)', async () => {
    const source = path.join(ctx.sandbox.home, 'race.yaml')
    await writeFile(source, raceCatalog('race'))
    for (const args of [
      ['catalog', 'import', source],
      ['server', 'add', 's0'],
      ['config', 'set', 's0.k0=v'],
      ['tools', 'disable', 't1', '--server', 's0'],
      ['catalog', 'create', 'mine'],
      ['server', 'ls'], // fills cache/files
    ]) {
      const r = await ctx.cli(args)
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
    }
    assert.equal((await stat(ctx.mcp)).mode & 0o777, 0o700)
    const all = await modes(ctx.mcp)
    for (const name of ['registry.yaml', 'config.yaml', 'tools.yaml', 'catalog.json', 'catalogs', 'cache'])
      assert.ok(name in all, `${name} exists: ${Object.keys(all)}`)
    assert.ok(
      Object.keys(all).some((n) => n.startsWith('cache/files/')),
      'cache entries exist',
    )
    for (const [name, mode] of Object.entries(all)) {
      const isDir = (await stat(path.join(ctx.mcp, name))).isDirectory()
      assert.equal(mode, isDir ? 0o700 : 0o600, `${name}: ${mode.toString(8)}`)
    }
  })

  // Files left 0644 by an older version (or Docker Desktop's umask) are tightened on the next write:
  // they are ours, and nobody else has a reason to read them.
  test('broader modes of existing files and directories are tightened when we write', async () => {
    await chmod(ctx.mcp, 0o755)
    await chmod(path.join(ctx.mcp, 'registry.yaml'), 0o644)
    await chmod(path.join(ctx.mcp, 'catalogs'), 0o755)
    await chmod(path.join(ctx.mcp, 'catalogs/mine.yaml'), 0o666)
    assert.equal((await ctx.cli(['server', 'add', 's1'])).code, 0)
    assert.equal(
      (await ctx.cli(['catalog', 'add', 'mine', 's2', path.join(ctx.sandbox.home, 'race.yaml')])).code,
      0,
    )
    assert.equal((await stat(ctx.mcp)).mode & 0o777, 0o700)
    assert.equal((await stat(path.join(ctx.mcp, 'registry.yaml'))).mode & 0o777, 0o600)
    assert.equal((await stat(path.join(ctx.mcp, 'catalogs'))).mode & 0o777, 0o700)
    assert.equal((await stat(path.join(ctx.mcp, 'catalogs/mine.yaml'))).mode & 0o777, 0o600)
  })

  // The atomic rename replaced a 0444 registry.yaml silently (as root, and as its owner too).
  test('a read-only registry.yaml (0444) is refused with the file named, not replaced', async () => {
    const file = path.join(ctx.mcp, 'registry.yaml')
    const text = await readFile(file, 'utf8')
    await chmod(file, 0o444)
    const r = await ctx.cli(['server', 'add', 's3'])
    assert.equal(r.code, 1)
    assert.ok(r.stderr.includes(`${file} is read-only (mode 0444); it was left unchanged`), r.stderr)
    assert.equal(await readFile(file, 'utf8'), text)
    await chmod(file, 0o600)
  })
})

describe('symlinked files are written through the link by every writer', () => {
  let ctx: Awaited<ReturnType<typeof fresh>>
  let dotfiles: string
  const linked = ['registry.yaml', 'config.yaml', 'tools.yaml', 'catalog.json', 'catalogs/mine.yaml']
  before(async () => {
    ctx = await fresh()
    dotfiles = path.join(ctx.sandbox.home, 'dotfiles/mcp')
    await mkdir(path.join(dotfiles, 'catalogs'), {recursive: true})
    await mkdir(path.join(ctx.mcp, 'catalogs'), {recursive: true})
    // Targets exist for some, dangle for others (a fresh dotfiles checkout): both are written through.
    await writeFile(path.join(dotfiles, 'registry.yaml'), '# my servers\nregistry: {}\n')
    for (const name of linked) await symlink(path.join(dotfiles, name), path.join(ctx.mcp, name))
    await writeFile(path.join(ctx.sandbox.home, 'race.yaml'), raceCatalog('race'))
  })
  after(() => ctx.sandbox.cleanup())

  // Before: writeFileAtomic renamed its temp file over the link, so the link became a plain file and the
  // dotfiles copy silently stopped being updated (only the client-config writer resolved links).
  test('server add/rm, config set, tools disable, catalog import/create/add/update, reset', async () => {
    const source = path.join(ctx.sandbox.home, 'race.yaml')
    for (const args of [
      ['catalog', 'import', source],
      ['catalog', 'create', 'mine'],
      ['catalog', 'add', 'mine', 's1', source],
      ['catalog', 'update', 'race'],
      ['server', 'add', 's0', 's1'],
      ['server', 'rm', 's1'],
      ['config', 'set', 's0.k0=v0'],
      ['tools', 'disable', 't1', '--server', 's0'],
    ]) {
      const r = await ctx.cli(args)
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
    }
    for (const name of linked) {
      const link = path.join(ctx.mcp, name)
      assert.ok((await lstat(link)).isSymbolicLink(), `${name} is still a link`)
      assert.equal(await readlink(link), path.join(dotfiles, name))
    }
    const registry = await readFile(path.join(dotfiles, 'registry.yaml'), 'utf8')
    assert.match(registry, /^# my servers\n/)
    assert.match(registry, /s0:/)
    assert.doesNotMatch(registry, /s1:/)
    assert.match(await readFile(path.join(dotfiles, 'config.yaml'), 'utf8'), /k0: v0/)
    assert.match(await readFile(path.join(dotfiles, 'tools.yaml'), 'utf8'), /s0: \[t0, t2/)
    const index = JSON.parse(await readFile(path.join(dotfiles, 'catalog.json'), 'utf8'))
    assert.deepEqual(Object.keys(index.catalogs).sort(), ['mine', 'race'])
    assert.match(await readFile(path.join(dotfiles, 'catalogs/mine.yaml'), 'utf8'), /s1:/)
    // No lock or temp file went into the dotfiles directory.
    assert.deepEqual(
      (await readdir(dotfiles)).sort(),
      [...linked.filter((n) => !n.includes('/')), 'catalogs'].sort(),
    )

    for (const args of [
      ['server', 'reset'],
      ['config', 'reset'],
    ]) {
      const r = await ctx.cli(args)
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
    }
    assert.ok((await lstat(path.join(ctx.mcp, 'registry.yaml'))).isSymbolicLink())
    assert.equal(await readFile(path.join(dotfiles, 'registry.yaml'), 'utf8'), '')
    assert.ok((await lstat(path.join(ctx.mcp, 'config.yaml'))).isSymbolicLink())
    assert.equal(await readFile(path.join(dotfiles, 'config.yaml'), 'utf8'), '')
  })
})
