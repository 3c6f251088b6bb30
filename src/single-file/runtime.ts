import {createHash} from 'node:crypto'
import {
  chmodSync,
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import {getAsset} from 'node:sea'

import {DockerMcpError} from '../errors.js'
import type {McpPaths} from '../paths.js'

/**
 * The single executable (`npm run build:binary`) carries what the npm package keeps beside its code as
 * SEA assets: package.json, oclif.manifest.json, the shipped catalogs and the keychain's native module.
 * The code reads them from a package root on disk, so the first run writes them into a private,
 * per-build directory under `~/.docker/mcp/cache/binary/` and every later run of the same build reuses it.
 */

/** The asset listing every other one, written by scripts/build-binary.mjs. */
export const INDEX_ASSET = 'single-file.json'

/** Contents of the index asset. */
export interface SingleFileIndex {
  version: string
  /** Hash of every asset: names the extraction directory, so two builds never share one. */
  buildId: string
  /** Asset name → path under the root and sha256 (hex) of its bytes. */
  files: Record<string, {path: string; sha256: string}>
}

/** A native module under the root whose bytes differ from the build's: never loaded. */
export class NativeModuleError extends DockerMcpError {}

let index: SingleFileIndex | undefined

/** The index asset, read once. */
export function singleFileIndex(): SingleFileIndex {
  index ??= JSON.parse(getAsset(INDEX_ASSET, 'utf8')) as SingleFileIndex
  return index
}

let extractedRoot: string | undefined

/** Did this process extract the root already, and where? Set by `ensureRoot`. */
function rootOrThrow(): string {
  if (!extractedRoot) throw new Error('single-file root used before ensureRoot()')
  return extractedRoot
}

function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined
}

/**
 * Is `dir` a real directory (not a link), ours, and closed to everyone else? Other users could otherwise
 * swap the files we load; on Windows the profile's ACLs already keep them out.
 */
function isPrivateDir(dir: string): boolean {
  let st
  try {
    st = lstatSync(dir)
  } catch {
    return false
  }
  if (!st.isDirectory()) return false
  const uid = currentUid()
  if (uid === undefined) return true
  return st.uid === uid && (st.mode & 0o077) === 0
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Write every asset into a fresh private directory beside `dir`, then move it into place. */
function extract(dir: string, idx: SingleFileIndex): void {
  const parent = path.dirname(dir)
  mkdirSync(parent, {recursive: true, mode: 0o700})
  const tmp = mkdtempSync(path.join(parent, '.extract-'))
  try {
    chmodSync(tmp, 0o700)
    for (const [name, file] of Object.entries(idx.files)) {
      const target = path.join(tmp, file.path)
      mkdirSync(path.dirname(target), {recursive: true, mode: 0o700})
      writeFileSync(target, new Uint8Array(getAsset(name)), {mode: 0o600})
    }
    writeFileSync(path.join(tmp, '.complete'), idx.buildId, {mode: 0o600})
    try {
      renameSync(tmp, dir)
    } catch (err) {
      // Another process of the same build won the race: its copy is as good as ours.
      if (!['ENOTEMPTY', 'EEXIST', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err
    }
  } finally {
    rmSync(tmp, {recursive: true, force: true})
  }
}

function isComplete(dir: string, buildId: string): boolean {
  try {
    return readFileSync(path.join(dir, '.complete'), 'utf8') === buildId
  } catch {
    return false
  }
}

/**
 * The package root of this build, written on first use: `<cacheDir>/binary/<version>-<buildId>`. A
 * directory that is not private (or not complete) is replaced, never trusted.
 */
export function ensureRoot(paths: Pick<McpPaths, 'cacheDir'>): string {
  const idx = singleFileIndex()
  const dir = path.join(paths.cacheDir, 'binary', `${idx.version}-${idx.buildId}`)
  if (!(isPrivateDir(dir) && isComplete(dir, idx.buildId))) {
    rmSync(dir, {recursive: true, force: true})
    extract(dir, idx)
    if (!(isPrivateDir(dir) && isComplete(dir, idx.buildId)))
      throw new DockerMcpError(
        `Could not prepare ${dir}: it must be a directory only you can read (mode 0700).`,
      )
  }
  extractedRoot = dir
  return dir
}

/** Read a file through one descriptor and check it is a regular file of ours that only we can write. */
function readOwnFile(file: string): Uint8Array | undefined {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return undefined
  }
  try {
    const st = fstatSync(fd)
    const uid = currentUid()
    if (!st.isFile() || (uid !== undefined && (st.uid !== uid || (st.mode & 0o022) !== 0))) return undefined
    return readFileSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Load a native module shipped as an asset. A native module cannot be loaded from memory, so it is
 * dlopen()ed from the private root, and only once its bytes hash to what the build recorded; a file that
 * does not is rewritten from the asset (atomically) and checked again.
 */
export function loadNativeAsset(name: string): unknown {
  const idx = singleFileIndex()
  const entry = idx.files[name]
  if (!entry) throw new NativeModuleError(`This build of docker-mcp has no native module "${name}".`)
  const root = rootOrThrow()
  const file = path.join(root, entry.path)
  let bytes = isPrivateDir(path.dirname(file)) ? readOwnFile(file) : undefined
  if (!bytes || sha256(bytes) !== entry.sha256) {
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, new Uint8Array(getAsset(name)), {mode: 0o600})
    renameSync(tmp, file)
    bytes = readOwnFile(file)
    if (!bytes || sha256(bytes) !== entry.sha256)
      throw new NativeModuleError(
        `${file} does not match this build of docker-mcp; remove ${path.dirname(file)} and run the command again.`,
      )
  }
  const mod = {exports: {}}
  process.dlopen(mod, file)
  return mod.exports
}
