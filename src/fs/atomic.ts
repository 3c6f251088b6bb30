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
  const target = await resolveWriteTarget(file)
  const dir = path.dirname(target)
  if (options.privateRoot !== undefined) {
    // The chain from the root to the path as named (the link's directory, ours); the target's own
    // directory (a dotfiles repo) is only created if missing.
    await ensurePrivateDir(path.dirname(path.resolve(file)), options.privateRoot)
    if (dir !== path.dirname(path.resolve(file))) await fs.mkdir(dir, {recursive: true})
  } else
    await fs.mkdir(dir, {recursive: true, ...(options.dirMode === undefined ? {} : {mode: options.dirMode})})
  let mode = options.mode ?? (options.privateRoot === undefined ? 0o644 : PRIVATE_FILE_MODE)
  try {
    const existing = (await fs.stat(target)).mode & 0o7777
    if (posix && (existing & 0o222) === 0) throw new ReadOnlyFileError(file, existing)
    mode = existing
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (options.privateRoot !== undefined) mode &= ~0o077 & 0o7777
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const handle = await fs.open(tmp, 'wx', mode)
  try {
    await handle.writeFile(data)
    if (options.fsync !== false) await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    // open() applies the umask; chmod makes the kept or requested mode exact.
    await fs.chmod(tmp, mode)
    await fs.rename(tmp, target)
  } catch (err) {
    await fs.rm(tmp, {force: true})
    throw err
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
