import {randomBytes} from 'node:crypto'
import {mkdir, open, readFile, stat, unlink} from 'node:fs/promises'
import {hostname} from 'node:os'
import path from 'node:path'

import {DockerMcpError} from '../errors.js'
import {toFileWriteError} from './atomic.js'

export interface LockOptions {
  /** Give up after this long (default 15 s). Critical sections are a read and an atomic write. */
  timeoutMs?: number
  /** A lock file older than this is abandoned whoever wrote it (default 60 s). */
  staleMs?: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Is the lock at `file` abandoned? Yes when its holder (same host) is no longer running, or when it is
 * older than `staleMs` (a holder on another host sharing the directory, or a pid that was reused).
 * An empty or half-written lock is a holder between `open` and `write`: live unless old.
 */
async function isStale(file: string, staleMs: number): Promise<boolean> {
  let text: string
  let mtimeMs: number
  try {
    ;[text, {mtimeMs}] = await Promise.all([readFile(file, 'utf8'), stat(file)])
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
  if (Date.now() - mtimeMs > staleMs) return true
  const [pid, host] = text.split('\n')
  const pidNumber = Number(pid)
  return host === hostname() && Number.isInteger(pidNumber) && pidNumber > 0 && !processIsAlive(pidNumber)
}

/**
 * Run `fn` while holding an exclusive lock file, so read-modify-write cycles of several processes on one
 * file never lose an update. The lock is a file created with O_EXCL (`wx`), which is atomic on local file
 * systems and on NFSv3+; it holds `pid\nhost\ntoken`. Waiters retry with jittered backoff; abandoned locks
 * (dead holder, or too old) are removed. Two waiters that both judge the same lock abandoned can race in
 * removing it; that needs a crash inside a millisecond critical section first, and is accepted.
 */
export async function withLockFile<T>(
  lockFile: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000
  const staleMs = options.staleMs ?? 60_000
  const token = randomBytes(8).toString('hex')
  const deadline = Date.now() + timeoutMs
  let delay = 2
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx', 0o600)
      try {
        await handle.writeFile(`${process.pid}\n${hostname()}\n${token}\n`)
      } catch (err) {
        // A full disk creates the file and fails the write: an empty lock reads as a live holder, and
        // every later command would wait a minute for it. Ours, so ours to remove.
        await handle.close().catch(() => undefined)
        await unlink(lockFile).catch(() => undefined)
        throw err
      }
      await handle.close()
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    if (await isStale(lockFile, staleMs)) {
      await unlink(lockFile).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err
      })
      continue
    }
    if (Date.now() > deadline)
      throw new DockerMcpError(`timed out waiting for the lock ${lockFile}`, {
        suggestions: [`If no other docker mcp command is running, delete ${lockFile} and try again`],
      })
    await sleep(delay + Math.random() * delay)
    delay = Math.min(delay * 2, 50)
  }
  try {
    return await fn()
  } finally {
    // Remove the lock only if it is still ours: it may have been judged stale and taken over meanwhile.
    const text = await readFile(lockFile, 'utf8').catch(() => '')
    if (text.split('\n')[2] === token) await unlink(lockFile).catch(() => undefined)
  }
}

/**
 * Run a read-modify-write of `file` under the lock `<file>.lock`, beside the path as given (not beside a
 * symlink's target: every writer names our files by the same path, so they meet at the same lock, and no
 * lock file is dropped into the directory a link points into). The directory is created 0700 when missing,
 * since it is ours (`~/.docker/mcp` and below).
 *
 * Why a lock at all: two `docker mcp server add` at once each read registry.yaml, add their server and
 * rename their copy over the file; without the lock, the second rename drops the first one's server (8
 * concurrent adds kept 2–5 of 8). Inside `fn`, read the file afresh: data read before the lock is stale.
 */
export async function withFileLock<T>(
  file: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  try {
    await mkdir(path.dirname(file), {recursive: true, mode: 0o700})
  } catch (err) {
    throw toFileWriteError(err, file)
  }
  // Waiting is generous (a minute, the age at which a lock counts as abandoned): on a loaded machine a
  // dozen queued commands each hold the lock for a parse and a write, and failing one of them is worse
  // than waiting.
  let acquired = false
  try {
    return await withLockFile(
      `${file}.lock`,
      () => {
        acquired = true
        return fn()
      },
      {timeoutMs: 60_000, ...options},
    )
  } catch (err) {
    // A lock we could not take (read-only or full disk) is a failure to write `file`: say so in its name.
    throw acquired ? err : toFileWriteError(err, file, `${file}.lock`)
  }
}
