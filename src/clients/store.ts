import {constants, promises as fs} from 'node:fs'
import path from 'node:path'

import {DockerMcpError, FileFormatError} from '../errors.js'
import {ReadOnlyFileError, resolveWriteTarget, toFileWriteError, writeFileAtomic} from '../fs/atomic.js'

/**
 * The one writer of client config files, and the file-system probes of the clients module. Edits
 * themselves are pure (./edit); this file reads, backs up, and writes atomically.
 */

/** Does the path exist (file, directory, or a symlink to one)? */
export async function pathExists(file: string): Promise<boolean> {
  try {
    await fs.stat(file)
    return true
  } catch {
    return false
  }
}

/** Probe many paths at once; the answer feeds the pure path selection. */
export async function probe(paths: Iterable<string>): Promise<Set<string>> {
  const list = [...new Set(paths)]
  const found = await Promise.all(list.map(pathExists))
  return new Set(list.filter((_, i) => found[i]))
}

/** The nearest ancestor of `start` (itself included) holding `.git` (a directory, or a worktree's file). */
export async function findProjectRoot(start: string): Promise<string | undefined> {
  let dir = path.resolve(start)
  for (;;) {
    if (await pathExists(path.join(dir, '.git'))) return dir
    const parent = path.dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

// ignoreBOM keeps a byte-order mark in the text, so that the editors can see it and write it back.
const utf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true})

/**
 * A config file's text, or undefined when it does not exist. Bytes that are not UTF-8 are refused: the
 * file would not survive being decoded and written back.
 */
export async function readConfigText(file: string): Promise<string | undefined> {
  let bytes: Buffer
  try {
    bytes = await fs.readFile(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'EISDIR') throw new FileFormatError(file, 'is a directory, expected a config file')
    if (code === 'EACCES') throw new DockerMcpError(`cannot read ${file}: permission denied`)
    throw err
  }
  try {
    return utf8.decode(bytes)
  } catch {
    throw new FileFormatError(file, 'is not valid UTF-8 text; left unchanged')
  }
}

export const BACKUP_INFIX = '.docker-mcp-backup-'

/** `20250102T030405Z`: sortable, and valid in Windows file names (no colons). */
export function backupTimestamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
}

async function existingBackup(file: string): Promise<string | undefined> {
  const prefix = path.basename(file) + BACKUP_INFIX
  try {
    const names = await fs.readdir(path.dirname(file))
    const found = names.filter((n) => n.startsWith(prefix)).sort()
    return found.length ? path.join(path.dirname(file), found[0]!) : undefined
  } catch {
    return undefined
  }
}

export interface WriteOutcome {
  /** The backup made by this write (only the first change of a file makes one). */
  backup?: string
  created: boolean
}

/**
 * Replace a config file with `next`, which was computed from `previous` (undefined: no file yet).
 *
 * - The file is re-read first: if it changed since (the client rewrote it), nothing is written and the
 *   caller is told to retry, so a concurrent writer's change is never lost.
 * - The first time we change a file, its original bytes are kept next to it in
 *   `<file>.docker-mcp-backup-<timestamp>`, with the file's permissions (configs hold tokens).
 * - The write is atomic (temp file + rename in the same directory) and keeps the permission bits; a
 *   symlinked config is written through the link. A read-only file is refused, not replaced.
 */
export async function writeConfigText(
  file: string,
  previous: string | undefined,
  next: string,
  now: Date = new Date(),
): Promise<WriteOutcome> {
  const current = await readConfigText(file)
  if (current !== previous)
    throw new DockerMcpError(`${file} changed while it was being updated (is the client rewriting it?)`, {
      suggestions: ['Run the command again.'],
    })
  // Where the write really goes: a symlink's target (dotfile managers link configs), resolved as the
  // atomic writer resolves it, so that the backup takes the mode of the file that is replaced.
  const target = await resolveWriteTarget(file)
  const outcome: WriteOutcome = {created: previous === undefined}
  if (previous !== undefined) {
    // The mode bits first: as root, access(W_OK) says yes whatever they are, and the rename below would
    // replace a 0444 file silently. Then access() for a non-root user without write permission on a
    // file that has some `w` bit (someone else's file).
    const mode = (await fs.stat(target)).mode & 0o7777
    if (process.platform !== 'win32' && (mode & 0o222) === 0) throw new ReadOnlyFileError(file, mode)
    try {
      await fs.access(target, constants.W_OK)
    } catch {
      throw new ReadOnlyFileError(file, mode)
    }
    if (!(await existingBackup(file))) {
      const backup = file + BACKUP_INFIX + backupTimestamp(now)
      const mode = (await fs.stat(target)).mode & 0o777
      let opened = false
      try {
        const handle = await fs.open(backup, 'wx', mode)
        opened = true
        try {
          await handle.writeFile(previous, 'utf8')
        } finally {
          await handle.close()
        }
        await fs.chmod(backup, mode)
      } catch (err) {
        // A half-written backup (full disk) is worse than none: it would be taken for the real one.
        if (opened) await fs.rm(backup, {force: true}).catch(() => undefined)
        throw toFileWriteError(err, file, backup)
      }
      outcome.backup = backup
    }
  }
  try {
    await writeFileAtomic(file, next)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw new DockerMcpError(
        `cannot write ${file}: ${code === 'EROFS' ? 'read-only file system' : 'permission denied'}`,
      )
    throw err
  }
  return outcome
}
