import {chmod, mkdir, stat} from 'node:fs/promises'

import {FileFormatError} from '../errors.js'
import {readTextIfExists, writeFileAtomic} from '../fs/atomic.js'
import type {McpPaths} from '../paths.js'
import {withLockFile, type LockOptions} from './lock.js'
import type {SecretStore} from './types.js'

/**
 * Where the fallback store lives: `~/.docker/mcp/secrets/secrets.json`, in a directory of its own so that
 * it can be 0700 without touching the modes of `~/.docker/mcp/` (which other commands create), with its
 * lock file beside it (both from src/paths.ts). JSON rather than the `.env` format: values may hold
 * newlines and any character, which `.env` lines cannot carry without inventing escapes, and a damaged
 * JSON file is detected instead of being half read.
 */
export function secretFilePaths(paths: Pick<McpPaths, 'secretsDir' | 'secretsFile'>): {
  dir: string
  file: string
  lock: string
} {
  return {dir: paths.secretsDir, file: paths.secretsFile, lock: `${paths.secretsFile}.lock`}
}

const FILE_MODE = 0o600
const DIR_MODE = 0o700
const FORMAT_HINT = 'expected {"version": 1, "secrets": {"NAME": "value", ...}}'

function corrupted(
  file: string,
  detail: string,
  position?: {line: number; column?: number},
): FileFormatError {
  return new FileFormatError(file, detail, position, {
    suggestions: [
      `The file was left unchanged. Repair it by hand, or move it away to start over (its secrets are then lost): mv ${file} ${file}.broken`,
    ],
  })
}

/** Line and column of a character offset. */
function lineColumn(text: string, offset: number): {line: number; column: number} {
  const before = text.slice(0, offset).split('\n')
  return {line: before.length, column: before.at(-1)!.length + 1}
}

/**
 * Parse the fallback file. Errors name the file and place but never quote it: V8's JSON errors embed a
 * snippet of the text, which here is secret values, so only the position is taken from them.
 */
export function parseSecretsFile(text: string, file: string): Map<string, string> {
  const secrets = new Map<string, string>()
  if (text.trim() === '') return secrets
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    const offset = /position (\d+)/.exec((err as Error).message)?.[1]
    throw corrupted(
      file,
      `not valid JSON, the secrets file is damaged; ${FORMAT_HINT}`,
      offset === undefined ? undefined : lineColumn(text, Number(offset)),
    )
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw corrupted(file, `not a secrets file; ${FORMAT_HINT}`)
  const {version, secrets: entries} = data as {version?: unknown; secrets?: unknown}
  if (version !== 1)
    throw corrupted(file, `unsupported version ${JSON.stringify(version ?? null)}; ${FORMAT_HINT}`)
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries))
    throw corrupted(file, `"secrets" is not an object; ${FORMAT_HINT}`)
  for (const [name, value] of Object.entries(entries)) {
    if (typeof value !== 'string') throw corrupted(file, `secret ${JSON.stringify(name)} is not a string`)
    secrets.set(name, value)
  }
  return secrets
}

/** The file's text for `secrets`, names sorted so that diffs and backups stay readable. */
export function formatSecretsFile(secrets: ReadonlyMap<string, string>): string {
  const sorted = [...secrets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `${JSON.stringify({version: 1, secrets: Object.fromEntries(sorted)}, null, 2)}\n`
}

/**
 * The fallback store for machines without a keychain: one JSON file, mode 0600 in a 0700 directory.
 * Readers need no lock (writes are atomic renames); writers take a lock file around read-modify-write so
 * that concurrent `secret set`s lose nothing. A file that does not parse is reported and never rewritten.
 */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file' as const
  readonly location: string
  private readonly dir: string
  private readonly lockFile: string

  constructor(
    paths: Pick<McpPaths, 'secretsDir' | 'secretsFile'>,
    private readonly lockOptions: LockOptions = {},
  ) {
    const p = secretFilePaths(paths)
    this.location = p.file
    this.dir = p.dir
    this.lockFile = p.lock
  }

  private async read(): Promise<Map<string, string>> {
    const text = await readTextIfExists(this.location)
    return text === undefined ? new Map() : parseSecretsFile(text, this.location)
  }

  /** Make the directory 0700 and an existing file 0600, whatever they were (modes mean nothing on Windows). */
  private async prepare(): Promise<void> {
    await mkdir(this.dir, {recursive: true, mode: DIR_MODE})
    if (process.platform === 'win32') return
    if (((await stat(this.dir)).mode & 0o777) !== DIR_MODE) await chmod(this.dir, DIR_MODE)
    const mode = await stat(this.location).then(
      (s) => s.mode & 0o777,
      () => undefined,
    )
    if (mode !== undefined && mode !== FILE_MODE) await chmod(this.location, FILE_MODE)
  }

  /** Read, change and atomically rewrite the file under the lock; `change` returns false for "no write". */
  private async update<T>(change: (secrets: Map<string, string>) => {result: T; write: boolean}): Promise<T> {
    await this.prepare()
    return withLockFile(
      this.lockFile,
      async () => {
        const secrets = await this.read()
        const {result, write} = change(secrets)
        if (write)
          await writeFileAtomic(this.location, formatSecretsFile(secrets), {
            mode: FILE_MODE,
            dirMode: DIR_MODE,
          })
        return result
      },
      this.lockOptions,
    )
  }

  async get(name: string): Promise<string | undefined> {
    return (await this.read()).get(name)
  }

  async set(name: string, value: string): Promise<void> {
    await this.update((secrets) => {
      secrets.set(name, value)
      return {result: undefined, write: true}
    })
  }

  async delete(name: string): Promise<boolean> {
    // Nothing to delete from a file that does not exist: do not create it (nor its directory).
    if ((await readTextIfExists(this.location)) === undefined) return false
    return this.update((secrets) => {
      const deleted = secrets.delete(name)
      return {result: deleted, write: deleted}
    })
  }

  async list(): Promise<string[]> {
    return [...(await this.read()).keys()].sort()
  }
}
