/**
 * The one atomic writer: symlinks written through (the link stays a link), our files 0600 in 0700
 * directories (tightened when broader), and a file nobody may write (0444) refused by its mode bits,
 * also as root, for whom access(W_OK) always says yes.
 */
import assert from 'node:assert/strict'
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {
  ensurePrivateDir,
  ReadOnlyFileError,
  resolveWriteTarget,
  writeFileAtomic,
} from '../../../src/fs/atomic.js'

const posix = process.platform !== 'win32'
const modeOf = async (p: string) => (await stat(p)).mode & 0o777
let dir: string
before(async () => (dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-atomic-'))))
after(() => rm(dir, {recursive: true, force: true}))

test('a symlinked file is written through: the link stays, its target gets the text', async () => {
  const real = path.join(dir, 'dotfiles/registry.yaml')
  await mkdir(path.dirname(real), {recursive: true})
  await writeFile(real, 'old\n')
  const link = path.join(dir, 'mcp/registry.yaml')
  await mkdir(path.dirname(link), {recursive: true})
  await symlink('../dotfiles/registry.yaml', link) // relative, as dotfile managers make them
  await writeFileAtomic(link, 'new\n', {privateRoot: path.join(dir, 'mcp')})
  assert.ok((await lstat(link)).isSymbolicLink(), 'still a link')
  assert.equal(await readlink(link), '../dotfiles/registry.yaml')
  assert.equal(await readFile(real, 'utf8'), 'new\n')
})

test('a chain of links and a dangling link resolve to the final path; a loop is an error', async () => {
  const final = path.join(dir, 'chain/final.yaml')
  const mid = path.join(dir, 'chain/mid.yaml')
  const first = path.join(dir, 'chain/first.yaml')
  await mkdir(path.dirname(final), {recursive: true})
  await symlink(final, mid)
  await symlink(mid, first)
  assert.equal(await resolveWriteTarget(first), final)
  await writeFileAtomic(first, 'created through two links\n')
  assert.equal(await readFile(final, 'utf8'), 'created through two links\n')
  assert.ok((await lstat(first)).isSymbolicLink() && (await lstat(mid)).isSymbolicLink())
  const a = path.join(dir, 'chain/loop-a')
  const b = path.join(dir, 'chain/loop-b')
  await symlink(a, b)
  await symlink(b, a)
  await assert.rejects(writeFileAtomic(a, 'x'), {code: 'ELOOP'})
})

test(
  'privateRoot: new dirs 0700, new files 0600; broader existing modes are tightened',
  {skip: !posix},
  async () => {
    const root = path.join(dir, 'home/.docker/mcp')
    const file = path.join(root, 'catalogs/team.yaml')
    await writeFileAtomic(file, 'a\n', {privateRoot: root})
    assert.equal(await modeOf(root), 0o700)
    assert.equal(await modeOf(path.dirname(file)), 0o700)
    assert.equal(await modeOf(file), 0o600)
    await chmod(root, 0o755)
    await chmod(path.dirname(file), 0o775)
    await chmod(file, 0o664)
    await writeFileAtomic(file, 'b\n', {privateRoot: root})
    assert.equal(await modeOf(root), 0o700)
    assert.equal(await modeOf(path.dirname(file)), 0o700)
    assert.equal(await modeOf(file), 0o600)
    // Directories above the root are the user's: untouched.
    await chmod(path.dirname(root), 0o755)
    await ensurePrivateDir(path.join(root, 'cache'), root)
    assert.equal(await modeOf(path.dirname(root)), 0o755)
    // Without privateRoot (an exported catalog, a client config), a kept mode is kept.
    const exported = path.join(dir, 'export.yaml')
    await writeFile(exported, 'x')
    await chmod(exported, 0o644)
    await writeFileAtomic(exported, 'y')
    assert.equal(await modeOf(exported), 0o644)
  },
)

test(
  'a file with no write bit (0444) is refused, also when we could replace it (root)',
  {skip: !posix},
  async () => {
    const file = path.join(dir, 'ro/config.yaml')
    await mkdir(path.dirname(file), {recursive: true})
    await writeFile(file, 'keep\n')
    await chmod(file, 0o444)
    await assert.rejects(writeFileAtomic(file, 'replaced\n'), (err: unknown) => {
      assert.ok(err instanceof ReadOnlyFileError)
      assert.equal(err.message, `${file} is read-only (mode 0444); it was left unchanged`)
      assert.ok(err.suggestions.some((s) => s.includes(`chmod u+w ${file}`)))
      return true
    })
    assert.equal(await readFile(file, 'utf8'), 'keep\n')
    // Through a link, the target's bits decide and the error names the path the user gave.
    const link = path.join(dir, 'ro/link.yaml')
    await symlink(file, link)
    await assert.rejects(writeFileAtomic(link, 'x'), new RegExp(`^ReadOnlyFileError: ${link} is read-only`))
    await chmod(file, 0o644)
    await writeFileAtomic(link, 'now\n')
    assert.equal(await readFile(file, 'utf8'), 'now\n')
  },
)

test(
  'a new file of ours is 0600; an existing file keeps its mode bits across a write',
  {skip: !posix},
  async () => {
    const root = path.join(dir, 'modes')
    const ours = path.join(root, 'registry.yaml')
    await writeFileAtomic(ours, 'a\n', {privateRoot: root})
    assert.equal(await modeOf(ours), 0o600)
    // A user's file (a client config) that they made 0640: replacing it must not widen or change that.
    const theirs = path.join(dir, 'theirs/config.json')
    await mkdir(path.dirname(theirs), {recursive: true})
    await writeFile(theirs, '{}')
    await chmod(theirs, 0o640)
    await writeFileAtomic(theirs, '{"a":1}')
    assert.equal(await modeOf(theirs), 0o640)
    assert.equal(await readFile(theirs, 'utf8'), '{"a":1}')
  },
)
