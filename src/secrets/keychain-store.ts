import {existsSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import path from 'node:path'

import {DockerMcpError} from '../errors.js'
import {readTextIfExists, writeFileAtomic} from '../fs/atomic.js'
import type {McpPaths} from '../paths.js'
import {withLockFile} from './lock.js'
import {isSecretName} from './names.js'
import type {SecretStore} from './types.js'

type KeyringModule = typeof import('@napi-rs/keyring')

/** The keychain service our entries live under: one namespace, so listings show ours only. */
export const DEFAULT_KEYCHAIN_SERVICE = 'docker-mcp'

/**
 * How the store learns which secrets exist. `native` asks the keychain for every entry of our service
 * (`findCredentialsAsync`: Secret Service attribute search, macOS `SecItemCopyMatching`). `index` keeps
 * the names in a file beside the fallback store: Windows Credential Manager can only be enumerated by
 * target-name prefix, which the library's entries do not give us, so there the index is the listing.
 */
export type KeychainEnumeration = 'native' | 'index'

export interface KeychainStoreOptions {
  service?: string
  enumeration?: KeychainEnumeration
  /** For the index: `mcpDir` decides where it lives. */
  paths: Pick<McpPaths, 'mcpDir'>
}

/** A keychain failure, with what to do next. Never carries a value: the library's messages do not either. */
export class KeychainError extends DockerMcpError {}

function platformName(): string {
  if (process.platform === 'darwin') return 'macOS Keychain'
  if (process.platform === 'win32') return 'Windows Credential Manager'
  return 'Secret Service'
}

/** One line: library messages sometimes span several (D-Bus errors). */
function reasonOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim()
}

/** Next steps when the keychain does not answer. */
export function keychainHelp(): string[] {
  if (process.platform === 'linux' || process.platform === 'freebsd')
    return [
      'Start a Secret Service provider (gnome-keyring, KWallet, KeePassXC) in your desktop session, with DBUS_SESSION_BUS_ADDRESS set',
      'Or keep secrets in a file readable only by you: --store file (or DOCKER_MCP_SECRET_STORE=file)',
    ]
  return ['Or keep secrets in a file readable only by you: --store file (or DOCKER_MCP_SECRET_STORE=file)']
}

/**
 * On Linux the library reaches the Secret Service over the D-Bus session bus, at the address zbus takes:
 * DBUS_SESSION_BUS_ADDRESS, or else the socket `bus` in XDG_RUNTIME_DIR (or /run/user/<uid>). When that
 * variable is unset and no such socket exists, the library can only fail to connect: say so, without
 * loading the native module and its threads (a third of `secret ls` on a headless machine). Undefined when
 * the bus may be there (or on another platform): the library then decides.
 */
export function missingSessionBus(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if ((platform !== 'linux' && platform !== 'freebsd') || env.DBUS_SESSION_BUS_ADDRESS !== undefined)
    return undefined
  const socket = path.join(env.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? 0}`, 'bus')
  if (existsSync(socket)) return undefined
  return `no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set and ${socket} does not exist`
}

let keyringModule: Promise<KeyringModule> | undefined
/** Loaded on first use: commands that never touch the keychain do not pay for the native module. */
function loadKeyring(): Promise<KeyringModule> {
  const missing = missingSessionBus()
  if (missing) return Promise.reject(new Error(missing))
  keyringModule ??= import('@napi-rs/keyring')
  return keyringModule
}

/** The name of the never-written entry `probe()` reads in index mode. Not a valid secret name. */
const PROBE_ACCOUNT = ' docker-mcp probe '

/**
 * Secrets in the OS keychain through `@napi-rs/keyring`: one generic-password entry per secret, service
 * `docker-mcp` (or `$DOCKER_MCP_KEYCHAIN_SERVICE`), account = the secret name, password = the value.
 */
export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain' as const
  readonly location: string
  readonly service: string
  readonly enumeration: KeychainEnumeration
  private readonly indexFile: string

  constructor(options: KeychainStoreOptions) {
    this.service = options.service || DEFAULT_KEYCHAIN_SERVICE
    this.enumeration = options.enumeration ?? (process.platform === 'win32' ? 'index' : 'native')
    this.location = `${platformName()} (service "${this.service}")`
    this.indexFile = path.join(options.paths.mcpDir, 'secrets', 'keychain-index.json')
  }

  private async entry(name: string) {
    const {AsyncEntry} = await loadKeyring()
    // On Linux the library would otherwise fall back to the kernel keyring (keyutils) when no Secret
    // Service answers; that keyring is emptied at logout or reboot, so secrets would vanish silently.
    // Pinned, a missing Secret Service is an error, and auto mode falls back to the file store instead.
    return new AsyncEntry(this.service, name, {linux: {store: 'secret-service'}})
  }

  private fail(action: string, name: string | undefined, err: unknown): never {
    if (err instanceof DockerMcpError) throw err
    const reason = reasonOf(err)
    const what = name === undefined ? action : `${action} secret "${name}"`
    const suggestions = /longer than|too long|TooLong/i.test(reason)
      ? ['The value is too long for this keychain: store it in a file instead with --store file']
      : keychainHelp()
    throw new KeychainError(`the OS keychain (${platformName()}) could not ${what}: ${reason}`, {
      suggestions,
      cause: err,
    })
  }

  /**
   * Does the keychain answer? `undefined` if so, else the reason (one line). A read that needs no entry
   * to exist: a search for our service, or in index mode a lookup of an entry that is never written.
   */
  async probe(): Promise<string | undefined> {
    try {
      const keyring = await loadKeyring()
      if (this.enumeration === 'native') await keyring.findCredentialsAsync(this.service)
      else await (await this.entry(PROBE_ACCOUNT)).getPassword()
      return undefined
    } catch (err) {
      return reasonOf(err)
    }
  }

  async get(name: string): Promise<string | undefined> {
    try {
      return (await (await this.entry(name)).getPassword()) ?? undefined
    } catch (err) {
      this.fail('read', name, err)
    }
  }

  async set(name: string, value: string): Promise<void> {
    try {
      await (await this.entry(name)).setPassword(value)
    } catch (err) {
      this.fail('store', name, err)
    }
    if (this.enumeration === 'index') await this.updateIndex((names) => names.add(name))
  }

  async delete(name: string): Promise<boolean> {
    let deleted: boolean
    try {
      deleted = await (await this.entry(name)).deleteCredential()
    } catch (err) {
      this.fail('delete', name, err)
    }
    if (this.enumeration === 'index') await this.updateIndex((names) => names.delete(name))
    return deleted
  }

  async list(): Promise<string[]> {
    if (this.enumeration === 'index') {
      // The index may name entries deleted behind our back: keep only those the keychain still has.
      const names = [...(await this.readIndex())]
      const present = await Promise.all(
        names.map(async (n) => ((await this.get(n)) === undefined ? [] : [n])),
      )
      return present.flat().sort()
    }
    try {
      const {findCredentialsAsync} = await loadKeyring()
      const found = await findCredentialsAsync(this.service)
      // Only names we could have written: a third-party entry under our service name is not ours to show.
      return [...new Set(found.map((c) => c.account).filter(isSecretName))].sort()
    } catch (err) {
      this.fail('list secrets', undefined, err)
    }
  }

  private async readIndex(): Promise<Set<string>> {
    const text = await readTextIfExists(this.indexFile)
    if (text === undefined || text.trim() === '') return new Set()
    try {
      const data = JSON.parse(text) as {services?: Record<string, unknown>}
      const names = data.services?.[this.service]
      return new Set(Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [])
    } catch {
      throw new KeychainError(
        `${this.indexFile}: not valid JSON; the index of keychain secret names is damaged`,
        {
          suggestions: [`It holds names only: delete it, then set your secrets again to rebuild it`],
        },
      )
    }
  }

  private async updateIndex(change: (names: Set<string>) => unknown): Promise<void> {
    await mkdir(path.dirname(this.indexFile), {recursive: true, mode: 0o700})
    await withLockFile(`${this.indexFile}.lock`, async () => {
      const names = await this.readIndex()
      change(names)
      const text = await readTextIfExists(this.indexFile)
      const services = text?.trim() ? ((JSON.parse(text) as {services?: object}).services ?? {}) : {}
      const data = {version: 1, services: {...services, [this.service]: [...names].sort()}}
      await writeFileAtomic(this.indexFile, `${JSON.stringify(data, null, 2)}\n`, {
        mode: 0o600,
        dirMode: 0o700,
      })
    })
  }
}
