import {createHash} from 'node:crypto'
import {promises as fs, type BigIntStats} from 'node:fs'
import path from 'node:path'

import type {Context} from '../context.js'
import {writeFileAtomic} from '../fs/atomic.js'
import type {YamlFile} from './yaml-file.js'

/**
 * A cache of validated file contents for the read paths (`server ls`, `catalog ls`, completion, the
 * gateway's start-up). Loading the `yaml` and `zod` modules, parsing Docker's catalog and the user's
 * files and validating them took about 80 of the 300 ms of `docker mcp server ls` on a 2-core VM. On a
 * hit neither module is loaded: this module imports them (through `yaml-file.js` and the validators) only
 * on a miss, and the modules on the read paths import them only lazily.
 *
 * One JSON file per source file under `fileCacheDir`, named by a hash of the kind and the absolute path,
 * holding the validated data and what it was derived from:
 * - the file's identity: size, mtime, ctime, inode and device (nanoseconds). Our own commands replace
 *   files atomically (a new inode); an editor changes the size or the times. ctime cannot be set back by
 *   tools that preserve mtimes (cp -p, tar, touch -d).
 * - the code that validated it: `FORMAT` and the identity of `oclif.manifest.json`, which every build
 *   and every install rewrites.
 * A file changed within `RACY_MS` of being read could change again within the same timestamp tick (1-10
 * ms on Linux, 1-2 s on FAT or HFS+) without its identity changing: such an entry also records the hash
 * of the text, and a hit on it reads the file and compares (still without parsing).
 *
 * Invalid files are never cached (their error comes from the same code as without the cache), nor data
 * that JSON would not give back exactly. Failing to write the cache (read-only HOME, full disk) is ignored.
 */

/**
 * The entry layout. Entries of older code are dropped anyway once `oclif.manifest.json` is rewritten (every
 * build); bump this when the layout or a kind's data changes shape, for runs from source.
 */
export const FORMAT = 1

/** Files whose ctime is this recent when read are verified by content on every hit. */
export const RACY_MS = 2000

/** One kind of file: how its validated data is produced on a miss. */
export interface CachedKind<T> {
  /** Part of the cache key: a file read as two kinds has two entries. */
  name: string
  /**
   * The validator, imported on a miss (so that a hit loads no parser or schema): turns the parsed file
   * into the data to cache, throwing FileFormatError (file, line, field) for an invalid file.
   */
  check: () => Promise<(y: YamlFile) => T>
}

/** Where entries live and what else they depend on. */
export interface FileCache {
  /** Directory of the entries. */
  dir: string
  /** Names the code that validated (see `codeId`). */
  code: string
  /** Clock, for tests of the racy window. */
  now?: () => number
}

interface Entry {
  format: number
  code: string
  kind: string
  file: string
  stamp: string
  /** sha256 of the text, for entries written while the file was racily recent. */
  sha256?: string
  data: unknown
}

const codeIds = new Map<string, Promise<string>>()

/**
 * The identity of the code that validates, from the package root: `oclif.manifest.json` is rewritten by
 * every `npm run build` and every install, so a rebuilt or upgraded plugin never trusts older entries.
 * Memoised per root (one stat per process).
 */
export function codeId(root: string): Promise<string> {
  let id = codeIds.get(root)
  if (!id) {
    id = fs.stat(path.join(root, 'oclif.manifest.json'), {bigint: true}).then(
      (s) => `${FORMAT}:${stampOf(s)}`,
      () => `${FORMAT}:no-manifest`,
    )
    codeIds.set(root, id)
  }
  return id
}

/** The cache of a context: entries under `fileCacheDir`, keyed by the package root's code identity. */
export async function contextCache(ctx: Context): Promise<FileCache> {
  return {dir: ctx.paths.fileCacheDir, code: await codeId(ctx.root)}
}

function stampOf(s: BigIntStats): string {
  return `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}:${s.dev}`
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function entryPath(dir: string, kind: string, file: string): string {
  const name = createHash('sha256').update(`${kind}\0${file}`).digest('hex').slice(0, 32)
  return path.join(dir, `${name}.json`)
}

/**
 * Does JSON give this value back exactly? Plain objects, arrays, strings, booleans, null and finite
 * numbers other than -0 only; no `__proto__` keys (JSON.parse makes them own properties), no cycles.
 */
export function jsonExact(value: unknown, seen = new Set<object>()): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0)
    case 'object': {
      if (value === null) return true
      if (seen.has(value)) return false
      const proto = Object.getPrototypeOf(value) as unknown
      if (Array.isArray(value)) {
        seen.add(value)
        // for...of visits holes as undefined, which JSON would turn into null.
        for (const item of value) if (!jsonExact(item, seen)) return false
      } else if (proto === Object.prototype || proto === null) {
        seen.add(value)
        for (const key of Object.keys(value)) {
          if (key === '__proto__' || !jsonExact((value as Record<string, unknown>)[key], seen)) return false
        }
        if (Object.getOwnPropertySymbols(value).length > 0) return false
      } else return false
      seen.delete(value)
      return true
    }
    default:
      return false
  }
}

/** The data of the entry for `file` when it was made from this stamp by this code; else `undefined`. */
async function readEntry(
  dir: string,
  code: string,
  kind: string,
  file: string,
  stamp: string,
): Promise<{data: unknown} | undefined> {
  let entry: Entry
  try {
    entry = JSON.parse(await fs.readFile(entryPath(dir, kind, file), 'utf8')) as Entry
  } catch {
    return undefined // no entry yet, or unreadable: a miss
  }
  if (
    entry?.format !== FORMAT ||
    entry.code !== code ||
    entry.kind !== kind ||
    entry.file !== file ||
    entry.stamp !== stamp ||
    !('data' in entry)
  )
    return undefined
  if (entry.sha256 !== undefined) {
    const text = await fs.readFile(file, 'utf8').catch(() => undefined)
    if (text === undefined || sha256(text) !== entry.sha256) return undefined
  }
  return {data: entry.data}
}

/** Write an entry; any failure (read-only HOME, full disk, a file where the directory should be) is ignored. */
async function writeEntry(dir: string, entry: Entry): Promise<void> {
  try {
    // 0600 in a 0700 directory: config.yaml's data is no more readable here than the user keeps the file.
    await writeFileAtomic(entryPath(dir, entry.kind, entry.file), JSON.stringify(entry), {
      mode: 0o600,
      dirMode: 0o700,
      fsync: false,
    })
  } catch {
    // A cache that cannot be written is only slower.
  }
}

/**
 * The validated data of `file` as `kind`, or `undefined` when the file does not exist. From the cache
 * when the file and the code are those the entry was made from; otherwise the file is read, parsed and
 * validated as without the cache (same errors), and a valid result is cached.
 */
export async function readCachedFile<T>(
  cache: FileCache,
  file: string,
  kind: CachedKind<T>,
): Promise<T | undefined> {
  const abs = path.resolve(file)
  const now = (cache.now ?? Date.now)()
  let stat: BigIntStats | undefined
  try {
    stat = await fs.stat(abs, {bigint: true})
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    // Anything else (EACCES, ELOOP, ...) is reported by the uncached read below, as before.
  }
  // Directories, devices and unreadable paths go the uncached way, which reports them as before.
  const dir = stat?.isFile() ? cache.dir : undefined
  const stamp = stat ? stampOf(stat) : ''
  if (dir !== undefined) {
    const hit = await readEntry(dir, cache.code, kind.name, abs, stamp)
    if (hit) return hit.data as T
  }

  const [{readYamlFile}, check] = await Promise.all([import('./yaml-file.js'), kind.check()])
  // The path as given: errors name the file exactly as they did before there was a cache.
  const y = await readYamlFile(file)
  if (!y) return undefined
  const data = check(y)
  if (dir !== undefined && stat && jsonExact(data)) {
    const racy = now - Number(stat.ctimeNs / 1_000_000n) < RACY_MS
    await writeEntry(dir, {
      format: FORMAT,
      code: cache.code,
      kind: kind.name,
      file: abs,
      stamp,
      ...(racy ? {sha256: sha256(y.text)} : {}),
      data,
    })
  }
  return data
}

/** `readCachedFile` with the context's cache. */
export async function readValidated<T>(
  ctx: Context,
  file: string,
  kind: CachedKind<T>,
): Promise<T | undefined> {
  return readCachedFile(await contextCache(ctx), file, kind)
}
