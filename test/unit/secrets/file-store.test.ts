import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {chmod, mkdir, readFile, readdir, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {createContext} from '../../../src/context.js'
import {FileFormatError, UsageError} from '../../../src/errors.js'
import {
  FileSecretStore,
  openSecretStores,
  parseSecretsFile,
  resolveServerSecrets,
  secretFilePaths,
  setSecret,
  removeSecrets,
  withLockFile,
} from '../../../src/secrets/index.js'
import {makeSandbox, ROOT, type Sandbox} from '../../helpers/sandbox.js'

const posix = process.platform !== 'win32'
const modeOf = async (file: string) => (await stat(file)).mode & 0o777

let sandbox: Sandbox
let n = 0
/** A fresh ~/.docker for each test: stores must not see each other's files. */
const freshPaths = async () => {
  const dir = path.join(sandbox.home, `case-${++n}`)
  await mkdir(dir, {recursive: true})
  return createContext({env: {HOME: dir, DOCKER_CONFIG: path.join(dir, '.docker')}, root: ROOT, cwd: dir})
}

before(async () => (sandbox = await makeSandbox()))
after(() => sandbox.cleanup())

describe('file store', () => {
  test('set, get, overwrite, list and delete round-trip any value', async () => {
    const store = new FileSecretStore((await freshPaths()).paths)
    assert.deepEqual(await store.list(), [])
    assert.equal(await store.get('a'), undefined)
    assert.equal(await store.delete('a'), false)
    const values = {
      eq: 'a=b==c',
      nl: 'line1\nline2\r\n\n',
      uni: 'pässwörd 🔑 密码 \u0000 end',
      empty: '',
      big: 'x'.repeat(64 * 1024 - 3) + 'end',
      __proto__: 'not a prototype',
      'team/db.password': 'p',
    }
    for (const [name, value] of Object.entries(values)) await store.set(name, value)
    for (const [name, value] of Object.entries(values)) assert.equal(await store.get(name), value, name)
    assert.deepEqual(await store.list(), Object.keys(values).sort())
    await store.set('eq', 'new')
    assert.equal(await store.get('eq'), 'new')
    assert.equal(await store.delete('eq'), true)
    assert.equal(await store.get('eq'), undefined)
    assert.ok(!(await store.list()).includes('eq'))
  })

  test(
    'the file is 0600 in a 0700 directory, and looser modes are tightened on write',
    {skip: !posix},
    async () => {
      const ctx = await freshPaths()
      const {dir, file} = secretFilePaths(ctx.paths)
      const store = new FileSecretStore(ctx.paths)
      await store.set('a', '1')
      assert.equal(await modeOf(dir), 0o700)
      assert.equal(await modeOf(file), 0o600)
      await chmod(dir, 0o755)
      await chmod(file, 0o644)
      await store.set('b', '2')
      assert.equal(await modeOf(dir), 0o700)
      assert.equal(await modeOf(file), 0o600)
      // No temp or lock files are left behind.
      assert.deepEqual(await readdir(dir), ['secrets.json'])
    },
  )

  test('deleting from a store that has no file creates nothing', async () => {
    const ctx = await freshPaths()
    assert.equal(await new FileSecretStore(ctx.paths).delete('x'), false)
    await assert.rejects(stat(ctx.paths.mcpDir), {code: 'ENOENT'})
  })

  test('a damaged file is reported with file and line, never quoted, and never rewritten', async () => {
    const ctx = await freshPaths()
    const {file} = secretFilePaths(ctx.paths)
    const store = new FileSecretStore(ctx.paths)
    await store.set('token', 'hunter2-secret')
    const damaged = (await readFile(file, 'utf8')).replace('"hunter2-secret"', '"hunter2-secret')
    await writeFile(file, damaged)
    for (const action of [() => store.set('other', 'v'), () => store.delete('token'), () => store.list()]) {
      await assert.rejects(action(), (err: unknown) => {
        assert.ok(err instanceof FileFormatError)
        assert.match(
          err.message,
          new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: not valid JSON`),
        )
        assert.ok(!err.message.includes('hunter2'), err.message)
        assert.match(err.suggestions.join('\n'), /left unchanged/)
        return true
      })
      assert.equal(await readFile(file, 'utf8'), damaged)
    }
  })

  test('a file of the wrong shape is refused', () => {
    assert.throws(() => parseSecretsFile('[]', 'f'), /f: not a secrets file/)
    assert.throws(() => parseSecretsFile('{"version": 2, "secrets": {}}', 'f'), /unsupported version 2/)
    assert.throws(() => parseSecretsFile('{"version": 1, "secrets": []}', 'f'), /"secrets" is not an object/)
    assert.throws(
      () => parseSecretsFile('{"version": 1, "secrets": {"a": 1}}', 'f'),
      /secret "a" is not a string/,
    )
    assert.equal(parseSecretsFile('  \n', 'f').size, 0)
  })

  test('concurrent sets in one process lose nothing (the lock serialises read-modify-write)', async () => {
    const store = new FileSecretStore((await freshPaths()).paths)
    const names = Array.from({length: 40}, (_, i) => `s${i}`)
    await Promise.all(names.map((name) => store.set(name, `v-${name}`)))
    assert.deepEqual(await store.list(), [...names].sort())
  })
})

describe('lock file', () => {
  test('a lock left by a dead process is taken over', async () => {
    const dir = path.join(sandbox.home, 'lock-dead')
    await mkdir(dir, {recursive: true})
    const lock = path.join(dir, 'x.lock')
    // A pid that existed and is gone: a child that already exited.
    const child = spawn(process.execPath, ['-e', ''])
    const pid = child.pid!
    await new Promise((resolve) => child.on('exit', resolve))
    await writeFile(lock, `${pid}\n${(await import('node:os')).hostname()}\nsometoken\n`)
    assert.equal(await withLockFile(lock, async () => 'ran', {timeoutMs: 2000}), 'ran')
    await assert.rejects(stat(lock), {code: 'ENOENT'})
  })

  test('a live lock makes others wait, then time out with what to do', async () => {
    const dir = path.join(sandbox.home, 'lock-live')
    await mkdir(dir, {recursive: true})
    const lock = path.join(dir, 'x.lock')
    let release!: () => void
    const held = withLockFile(lock, () => new Promise<void>((resolve) => (release = resolve)))
    await new Promise((resolve) => setTimeout(resolve, 50))
    await assert.rejects(
      withLockFile(lock, async () => 'never', {timeoutMs: 200}),
      (err: Error) => {
        assert.match(err.message, /timed out waiting for the lock .*x\.lock/)
        return true
      },
    )
    const waiter = withLockFile(lock, async () => 'after', {timeoutMs: 5000})
    release()
    await held
    assert.equal(await waiter, 'after')
  })
})

describe('openSecretStores (file mode) and injection', () => {
  test('env files come first, then the file store; get returns the first hit', async () => {
    const ctx = await freshPaths()
    await writeFile(path.join(ctx.cwd, 'team.env'), 'shared=from-env\nonly-env=e\n')
    const file = new FileSecretStore(ctx.paths)
    await file.set('shared', 'from-file')
    await file.set('only-file', 'f')
    const sources = await openSecretStores(ctx, {store: 'file', envFiles: ['team.env']})
    assert.deepEqual(
      sources.stores.map((s) => s.kind),
      ['env-file', 'file'],
    )
    assert.equal(sources.stores[0]!.location, path.join(ctx.cwd, 'team.env'))
    assert.equal(await sources.get('shared'), 'from-env')
    assert.equal(await sources.get('only-file'), 'f')
    assert.equal(await sources.get('nowhere'), undefined)
    assert.deepEqual(
      (await sources.list()).map(({name, store}) => `${name}@${store}`),
      ['only-env@env-file', 'only-file@file', 'shared@env-file', 'shared@file'],
    )
  })

  test('several env files are several stores, in order (no colon-separated list)', async () => {
    const ctx = await freshPaths()
    await writeFile(path.join(ctx.cwd, 'a.env'), 'x=from-a\n')
    await writeFile(path.join(ctx.cwd, 'b:c.env'), 'x=from-bc\ny=from-bc\n')
    const sources = await openSecretStores(ctx, {store: 'file', envFiles: ['a.env', 'b:c.env']})
    assert.equal(await sources.get('x'), 'from-a')
    assert.equal(await sources.get('y'), 'from-bc')
  })

  test('a missing or bad env file fails at open, with its path', async () => {
    const ctx = await freshPaths()
    await assert.rejects(
      openSecretStores(ctx, {store: 'file', envFiles: ['nope.env']}),
      /secrets file .*nope\.env does not exist/,
    )
    await writeFile(path.join(ctx.cwd, 'bad.env'), 'a=1\nb\n')
    await assert.rejects(
      openSecretStores(ctx, {store: 'file', envFiles: ['bad.env']}),
      /bad\.env:2: expected NAME=value/,
    )
  })

  test('env files are read-only', async () => {
    const ctx = await freshPaths()
    await writeFile(path.join(ctx.cwd, 'a.env'), 'x=1\n')
    const sources = await openSecretStores(ctx, {store: 'file', envFiles: ['a.env']})
    await assert.rejects(sources.stores[0]!.set('x', '2'), /read-only/)
    await assert.rejects(sources.stores[0]!.delete('x'), /read-only/)
  })

  test('DOCKER_MCP_SECRET_STORE picks the mode; a bad value is a usage error', async () => {
    const ctx = await freshPaths()
    const sources = await openSecretStores({...ctx, env: {...ctx.env, DOCKER_MCP_SECRET_STORE: 'file'}})
    assert.equal(sources.mode, 'file')
    assert.deepEqual(
      sources.stores.map((s) => s.kind),
      ['file'],
    )
    await assert.rejects(
      openSecretStores({...ctx, env: {...ctx.env, DOCKER_MCP_SECRET_STORE: 'vault'}}),
      (err: unknown) => err instanceof UsageError && /not one of auto, keychain, file/.test(err.message),
    )
  })

  test('setSecret and removeSecrets on the file store; rm of an unknown name names it', async () => {
    const ctx = await freshPaths()
    const sources = await openSecretStores(ctx, {store: 'file'})
    assert.equal((await setSecret(sources, 'a', '1')).kind, 'file')
    await setSecret(sources, 'b', '2')
    await assert.rejects(
      removeSecrets(sources, {names: ['a', 'zzz'], all: false}),
      /argument 2 is not a stored secret in .*\(removed: a\)/,
    )
    assert.equal(await sources.get('a'), undefined)
    await setSecret(sources, 'c', '3')
    assert.deepEqual(
      (await removeSecrets(sources, {names: [], all: true})).map((r) => r.name),
      ['b', 'c'],
    )
    assert.deepEqual(await sources.list(), [])
  })

  test('resolveServerSecrets gives a server exactly its declared secrets, and names the missing ones', async () => {
    const ctx = await freshPaths()
    await writeFile(
      path.join(ctx.cwd, 's.env'),
      'github.token=gh\npostgres.url=pg://x\nother.server.secret=NOT-FOR-YOU\n',
    )
    const sources = await openSecretStores(ctx, {store: 'file', envFiles: ['s.env']})
    const {env, missing} = await resolveServerSecrets(
      [
        {name: 'github.token', env: 'GITHUB_TOKEN'},
        {name: 'postgres.url', env: 'DATABASE_URL'},
        {name: 'not.set', env: 'NOT_SET'},
        {name: 'not.set', env: 'NOT_SET_AGAIN'},
      ],
      sources,
    )
    assert.deepEqual(env, {GITHUB_TOKEN: 'gh', DATABASE_URL: 'pg://x'})
    assert.deepEqual(missing, ['not.set'])
    assert.ok(!Object.values(env).includes('NOT-FOR-YOU'))
    const none = await resolveServerSecrets([], sources)
    assert.deepEqual(none, {env: {}, missing: []})
  })

  test('a declared variable named __proto__ becomes a key, not a prototype', async () => {
    const ctx = await freshPaths()
    await writeFile(path.join(ctx.cwd, 's.env'), 'a=1\n')
    const sources = await openSecretStores(ctx, {store: 'file', envFiles: ['s.env']})
    const {env} = await resolveServerSecrets([{name: 'a', env: '__proto__'}], sources)
    assert.deepEqual(Object.keys(env), ['__proto__'])
    assert.equal(Object.getPrototypeOf(env), Object.prototype)
  })
})
