import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {DockerMcpError} from '../errors.js'

/** Files we keep under ~/.docker/mcp: readable by their owner only (they hold config values, tokens in URLs). */
export const PRIVATE_FILE_MODE = 0o600
/** Directories we keep under ~/.docker/mcp. */
export const PRIVATE_DIR_MODE = 0o700

const posix = process.platform !== 'win32'

/** A file whose mode says nobody may write it: we refuse to replace it rather than rename over it. */
export class ReadOnlyFileError extends DockerMcpError {
  constructor(
    readonly file: string,
    readonly mode: number,
  ) {
    super(`${file} is read-only (mode ${mode.toString(8).padStart(4, '0')}); it was left unchanged`, {
      suggestions: [
        'If a tool manages this file (home-manager, a dotfiles repo), make the change there.',
        `Otherwise make it writable and run the command again: chmod u+w ${file}`,
      ],
    })
  }
}

/** The errors a full or read-only disk gives, which the user can fix and we can name. */
const DISK_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS'])

/**
 * A write to one of the user's files failed for a reason they can fix (disk full, no permission,
 * read-only file system). Names the file they know, never our temp file (`.registry.yaml.7173.tmp`),
 * says that it was left unchanged and what to do.
 */
export class FileWriteError extends DockerMcpError {
  constructor(
    readonly file: string,
    readonly code: string,
    /** The directory or file the system refused: the file's directory, or a parent we had to create. */
    readonly refused: string,
    cause?: unknown,
  ) {
    const {reason, suggestions} = describeWriteFailure(code, refused)
    super(`cannot write ${file}: ${reason}; it was left unchanged`, {suggestions, cause})
  }
}

function describeWriteFailure(code: string, refused: string): {reason: string; suggestions: string[]} {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return {
        reason: `no space left on the disk that holds ${refused}${code === 'EDQUOT' ? ' (disk quota exceeded)' : ''}`,
        suggestions: [`Free some space (df -h ${refused} shows what is left), then run the command again.`],
      }
    case 'EROFS':
      return {
        reason: `${refused} is on a read-only file system`,
        suggestions: [
          'Remount it read-write, or point DOCKER_CONFIG at a writable directory, then run the command again.',
        ],
      }
    default:
      return {
        reason: `permission denied on ${refused}`,
        suggestions: [
          `See who owns it: ls -ld ${refused}`,
          `Make it yours and writable (chown -R "$(id -un)" ${refused}; chmod u+w ${refused}), then run the command again.`,
        ],
      }
  }
}

/**
 * `err` as a FileWriteError for `file` when it is a disk or permission error, else `err` unchanged.
 * `tmp` is the temp file of the write, if any: an error on it is an error on its directory.
 */
export function toFileWriteError(err: unknown, file: string, tmp?: string): unknown {
  const e = err as NodeJS.ErrnoException
  if (err instanceof DockerMcpError || !e?.code || !DISK_ERRORS.has(e.code)) return err
  const refused = e.path && e.path !== tmp ? e.path : path.dirname(tmp ?? path.resolve(file))
  return new FileWriteError(file, e.code, refused, err)
}

/**
 * Where a write to `file` really goes: the final target of a chain of symlinks (a user who links
 * registry.yaml or a client config into a dotfiles repo keeps the link), else `file` itself. A dangling
 * link resolves to the path it names, which the write then creates. More than 40 hops is a loop (ELOOP).
 */
export async function resolveWriteTarget(file: string): Promise<string> {
  let current = path.resolve(file)
  for (let hops = 0; hops < 40; hops++) {
    let stat
    try {
      stat = await fs.lstat(current)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return current
      throw err
    }
    if (!stat.isSymbolicLink()) return current
    current = path.resolve(path.dirname(current), await fs.readlink(current))
  }
  throw Object.assign(new Error(`too many levels of symbolic links: ${file}`), {code: 'ELOOP'})
}

/**
 * Create `dir` and every directory between `root` and it with mode 0700, and tighten those that exist
 * with group or other bits (a `~/.docker/mcp` made 0755 by an older version, or by a umask of 022).
 * Tightening rather than warning: these directories are ours alone, nobody else has a reason to list them,
 * and a warning printed on every command would be noise the user cannot act on without reading the code.
 * Directories outside `root` (the user's own) are created if needed but never chmod-ed.
 */
export async function ensurePrivateDir(dir: string, root: string): Promise<void> {
  const absDir = path.resolve(dir)
  const absRoot = path.resolve(root)
  await fs.mkdir(absDir, {recursive: true, mode: PRIVATE_DIR_MODE})
  if (!posix) return
  const rel = path.relative(absRoot, absDir)
  if (rel.startsWith('..') || path.isAbsolute(rel)) return
  const chain = [absRoot]
  for (const seg of rel ? rel.split(path.sep) : []) chain.push(path.join(chain.at(-1)!, seg))
  for (const d of chain) {
    const mode = (await fs.stat(d)).mode & 0o7777
    // Not ours to change (owned by someone else): chmod fails with EPERM, which we leave be.
    if (mode & 0o077) await fs.chmod(d, mode & ~0o077 & 0o7777).catch(() => undefined)
  }
}

export interface WriteOptions {
  /** Mode of a new file (default 0644, or 0600 with `privateRoot`). An existing file keeps its bits. */
  mode?: number
  /** Mode of directories created on the way (ignored with `privateRoot`, which makes them 0700). */
  dirMode?: number
  /** `false` for caches: after a crash they may lose the write, but readers never see half of one. */
  fsync?: boolean
  /**
   * The file is one of ours under this directory (`~/.docker/mcp`): directories from here down are 0700,
   * the file is 0600 when new and loses its group/other bits when it exists (see `ensurePrivateDir`).
   */
  privateRoot?: string
}

/**
 * Write a file so that readers see either the old or the new content, never a torn one: write a temp
 * file in the same directory (rename is atomic only within one file system), fsync, then rename over the
 * target. A symlink is written through: the temp file goes beside the link's final target and replaces
 * that, so the link stays a link. Keeps the target's permission bits when it exists; a target that no one
 * may write (no `w` bit, mode 0444) is refused with ReadOnlyFileError even when we could replace it (as
 * root, or by renaming over it, which needs only the directory's permission): the bits are the owner's
 * statement that it is not to be changed, and `access(W_OK)` says yes to root whatever they are.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: WriteOptions = {},
): Promise<void> {
  let tmp: string | undefined
  try {
    const target = await resolveWriteTarget(file)
    const dir = path.dirname(target)
    if (options.privateRoot !== undefined) {
      // The chain from the root to the path as named (the link's directory, ours); the target's own
      // directory (a dotfiles repo) is only created if missing.
      await ensurePrivateDir(path.dirname(path.resolve(file)), options.privateRoot)
      if (dir !== path.dirname(path.resolve(file))) await fs.mkdir(dir, {recursive: true})
    } else
      await fs.mkdir(dir, {
        recursive: true,
        ...(options.dirMode === undefined ? {} : {mode: options.dirMode}),
      })
    let mode = options.mode ?? (options.privateRoot === undefined ? 0o644 : PRIVATE_FILE_MODE)
    try {
      const existing = (await fs.stat(target)).mode & 0o7777
      if (posix && (existing & 0o222) === 0) throw new ReadOnlyFileError(file, existing)
      mode = existing
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    if (options.privateRoot !== undefined) mode &= ~0o077 & 0o7777
    tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
    const handle = await fs.open(tmp, 'wx', mode)
    try {
      await handle.writeFile(data)
      if (options.fsync !== false) await handle.sync()
    } finally {
      await handle.close()
    }
    // open() applies the umask; chmod makes the kept or requested mode exact.
    await fs.chmod(tmp, mode)
    await fs.rename(tmp, target)
    tmp = undefined
  } catch (err) {
    // Every failure after the temp file exists removes it: a full disk (the write fails half way) used to
    // leave `.registry.yaml.7173.tmp` files behind, one per failed command. A failed open leaves nothing.
    if (tmp !== undefined) await fs.rm(tmp, {force: true}).catch(() => undefined)
    throw toFileWriteError(err, file, tmp)
  }
}

/** Read a UTF-8 file, or `undefined` when it does not exist. Other errors propagate. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}
