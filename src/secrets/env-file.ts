import {readFile} from 'node:fs/promises'

import {DockerMcpError, FileFormatError} from '../errors.js'
import {isSecretName} from './names.js'
import type {SecretStore} from './types.js'

/**
 * Parse a `.env` secrets file as the original's `--secrets` does: one `NAME=value` per line, split at the
 * first "=", lines starting with "#" and blank lines skipped, no quotes or escapes (the value is the rest
 * of the line, verbatim). Keys are secret names (`github.personal_access_token`), not env var names.
 * CRLF line ends and a UTF-8 BOM are tolerated; a later duplicate wins.
 *
 * Errors give `file:line` but never the line itself: a line without "=" is most likely a pasted value.
 */
export function parseEnvFile(text: string, file: string): Map<string, string> {
  const secrets = new Map<string, string>()
  const lines = text.replace(/^\uFEFF/, '').split('\n')
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    const trimmed = line.trimStart()
    if (trimmed === '' || trimmed.startsWith('#')) return
    const eq = line.indexOf('=')
    if (eq === -1)
      throw new FileFormatError(file, 'expected NAME=value, but the line has no "="', {line: index + 1})
    const name = line.slice(0, eq).trim()
    if (!isSecretName(name))
      throw new FileFormatError(
        file,
        'invalid secret name before "=": use letters, digits, ".", "_", ":" and "-", with "/" between parts',
        {line: index + 1},
      )
    secrets.set(name, line.slice(eq + 1))
  })
  return secrets
}

/** A `.env` file named to `--secrets` that does not exist. */
export class MissingEnvFileError extends DockerMcpError {
  constructor(readonly file: string) {
    super(`secrets file ${file} does not exist`, {
      suggestions: ['Pass a .env file with one NAME=value line per secret to --secrets'],
    })
  }
}

/**
 * A read-only store over `.env` files given to `gateway run --secrets` (each file is one store). Loaded
 * once, when opened: a bad file fails before any server starts.
 */
export class EnvFileSecretStore implements SecretStore {
  readonly kind = 'env-file' as const

  private constructor(
    readonly location: string,
    private readonly secrets: Map<string, string>,
  ) {}

  /** Read and parse `file` (an absolute path). */
  static async open(file: string): Promise<EnvFileSecretStore> {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT') throw new MissingEnvFileError(file)
      throw new DockerMcpError(`cannot read secrets file ${file}: ${(err as Error).message}`)
    }
    return new EnvFileSecretStore(file, parseEnvFile(text, file))
  }

  async get(name: string): Promise<string | undefined> {
    return this.secrets.get(name)
  }

  async set(): Promise<void> {
    throw new DockerMcpError(`${this.location} is a read-only .env file: edit it to change its secrets`)
  }

  async delete(): Promise<boolean> {
    throw new DockerMcpError(`${this.location} is a read-only .env file: edit it to remove its secrets`)
  }

  async list(): Promise<string[]> {
    return [...this.secrets.keys()].sort()
  }
}
