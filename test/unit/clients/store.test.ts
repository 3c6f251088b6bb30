/**
 * The one writer of client configs, on a real temp directory. Guards against: losing a BOM on the way in
 * (the decoder strips it by default), mangling a file that is not UTF-8, overwriting a change the client
 * made after we read the file, more than one backup per file, and backups more readable than the file.
 */
import assert from 'node:assert/strict'
import {chmod, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {
  backupTimestamp,
  findProjectRoot,
  readConfigText,
  writeConfigText,
} from '../../../src/clients/store.js'

let dir: string
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-store-'))
})
after(() => rm(dir, {recursive: true, force: true}))

test('a byte-order mark survives reading', async () => {
  const file = path.join(dir, 'bom.json')
  await writeFile(file, '\uFEFF{}')
  assert.equal(await readConfigText(file), '\uFEFF{}')
  assert.equal(await readConfigText(path.join(dir, 'missing.json')), undefined)
})

test('a file that is not UTF-8 is refused, and never rewritten', async () => {
  const file = path.join(dir, 'latin1.json')
  const bytes = Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]) // {"é":1} in Latin-1
  await writeFile(file, bytes)
  await assert.rejects(readConfigText(file), /latin1\.json: is not valid UTF-8 text; left unchanged/)
  assert.deepEqual(await readFile(file), bytes)
})

test('one backup per file, with the file mode; a concurrent change is not overwritten', async () => {
  const file = path.join(dir, 'cfg.json')
  await writeFile(file, '{"a":1}')
  await chmod(file, 0o640)
  const now = new Date('2025-01-02T03:04:05.678Z')
  const first = await writeConfigText(file, '{"a":1}', '{"a":2}', now)
  assert.equal(first.backup, `${file}.docker-mcp-backup-20250102T030405Z`)
  assert.equal((await stat(first.backup!)).mode & 0o777, 0o640)
  assert.equal(await readFile(first.backup!, 'utf8'), '{"a":1}')
  assert.equal((await stat(file)).mode & 0o777, 0o640)
  const second = await writeConfigText(file, '{"a":2}', '{"a":3}')
  assert.equal(second.backup, undefined)
  await assert.rejects(writeConfigText(file, '{"a":2}', '{"a":4}'), /changed while it was being updated/)
  assert.equal(await readFile(file, 'utf8'), '{"a":3}')
  assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('cfg.json.')).length, 1)
})

test('a new file gets its directories and no backup', async () => {
  const file = path.join(dir, 'a/b/new.json')
  assert.deepEqual(await writeConfigText(file, undefined, '{}\n'), {created: true})
  assert.equal(await readFile(file, 'utf8'), '{}\n')
})

test('the project root is the nearest directory with .git (a directory or a worktree file)', async () => {
  await writeFile(path.join(dir, '.git'), 'gitdir: /elsewhere\n')
  assert.equal(await findProjectRoot(path.join(dir, 'a/b')), dir)
  assert.equal(backupTimestamp(new Date('2030-12-31T23:59:59Z')), '20301231T235959Z')
})
