/**
 * The lock file behind every read-modify-write of our files, with real files and real concurrency: many
 * holders at once each read a counter, wait, and write it back plus one. Without mutual exclusion updates
 * are lost; a live holder's lock must never be judged abandoned; an abandoned one (dead pid, too old) is
 * taken over; a released lock is gone.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtemp, readFile, rm, stat, utimes, writeFile} from 'node:fs/promises'
import {hostname, tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {withLockFile} from '../../../src/fs/lock.js'

let dir: string
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-lock-'))
})
after(() => rm(dir, {recursive: true, force: true}))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

test('20 holders at once: every increment survives, and the lock is gone afterwards', async () => {
  const counter = path.join(dir, 'counter')
  const lock = `${counter}.lock`
  await writeFile(counter, '0')
  await Promise.all(
    Array.from({length: 20}, () =>
      withLockFile(lock, async () => {
        const n = Number(await readFile(counter, 'utf8'))
        await sleep(5)
        await writeFile(counter, String(n + 1))
      }),
    ),
  )
  assert.equal(await readFile(counter, 'utf8'), '20')
  await assert.rejects(stat(lock), {code: 'ENOENT'})
})

test('a fresh lock held by a live process is waited for, never taken over', async () => {
  const lock = path.join(dir, 'live.lock')
  // This process is alive and on this host: its lock is not abandoned.
  await writeFile(lock, `${process.pid}\n${hostname()}\nsomeone-else\n`)
  await assert.rejects(
    withLockFile(lock, async () => 'ran', {timeoutMs: 300}),
    /timed out waiting for the lock/,
  )
  assert.match(await readFile(lock, 'utf8'), /someone-else/)
})

test('a lock whose holder is dead, or that is older than staleMs, is taken over', async () => {
  const dead = path.join(dir, 'dead.lock')
  // A pid that existed and has exited: a child we ran to completion.
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  })
  await writeFile(dead, `${child.stdout}\n${hostname()}\nold\n`)
  assert.equal(await withLockFile(dead, async () => 'ran', {timeoutMs: 5_000}), 'ran')
  const old = path.join(dir, 'old.lock')
  await writeFile(old, `${process.pid}\nanother-host\nold\n`)
  const past = new Date(Date.now() - 120_000)
  await utimes(old, past, past)
  assert.equal(await withLockFile(old, async () => 'ran', {timeoutMs: 5_000, staleMs: 60_000}), 'ran')
})
