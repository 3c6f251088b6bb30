import path from 'node:path'

import type {Context} from '../context.js'
import {DockerMcpError, UsageError} from '../errors.js'
import type {SecretSourceSpec} from './chain.js'
import {EnvFileSecretStore, MissingEnvFileError} from './env-file.js'
import {FileSecretStore} from './file-store.js'
import {KeychainError, KeychainSecretStore, keychainHelp} from './keychain-store.js'
import {keychainNoticeDue} from './keychain-notice.js'
import {assertSecretValueFits} from './names.js'
import type {SecretListing, SecretSources, SecretStore, SecretStoreMode} from './types.js'

export interface OpenSecretStoresOptions {
  /** Which store to use; default `$DOCKER_MCP_SECRET_STORE`, else `auto`. */
  store?: SecretStoreMode
  /** `.env` files, read before anything else, in the order given. */
  envFiles?: string[]
  /**
   * `gateway run --secrets` (`parseSecretsFlag`): the lookup order of `.env` files and the store, each a
   * fallback for the ones before it. Without a `store` element the store comes last. A missing file is
   * skipped with a warning when the list names something else to read; alone, it is an error.
   */
  chain?: SecretSourceSpec[]
  /** Where one-line warnings go (the library never prints). */
  onWarning?: (msg: string) => void
  /**
   * The "no OS keychain" notice in full, every time (`doctor`). Otherwise it is one short line once a day,
   * in full under `--debug` (DOCKER_MCP_DEBUG).
   */
  fullWarnings?: boolean
}

/** What `openSecretStores` returns: the contract's `SecretSources`, plus what the `secret` commands need. */
export interface OpenedSecretSources extends SecretSources {
  readonly mode: SecretStoreMode
  /** Where `secret set` writes: the keychain when it answers (or is forced), else the file. */
  readonly target: SecretStore
  /** The stores `secret rm` deletes from: keychain and/or file, never `.env` files. */
  readonly writable: SecretStore[]
  /** Set when auto mode could not use the keychain: why (one line). */
  readonly keychainUnavailable?: string
  list(): Promise<SecretListing[]>
}

export const SECRET_STORE_MODES: readonly SecretStoreMode[] = ['auto', 'keychain', 'file']

/** The store mode from `$DOCKER_MCP_SECRET_STORE` (unset or empty: `auto`). */
export function storeModeFromEnv(env: NodeJS.ProcessEnv): SecretStoreMode {
  const value = env.DOCKER_MCP_SECRET_STORE?.trim()
  if (!value) return 'auto'
  if ((SECRET_STORE_MODES as string[]).includes(value)) return value as SecretStoreMode
  throw new UsageError(`DOCKER_MCP_SECRET_STORE=${value} is not one of ${SECRET_STORE_MODES.join(', ')}`)
}

/** The one-line warning of auto mode without a keychain: where secrets go, and how to get a keychain. */
function fallbackWarning(file: string, problem: string): string {
  const how =
    process.platform === 'linux' || process.platform === 'freebsd'
      ? 'start a Secret Service provider such as gnome-keyring (with DBUS_SESSION_BUS_ADDRESS set)'
      : 'unlock your login keychain'
  return `${problem}; secrets are stored in ${file} (mode 0600). To use a keychain instead, ${how} and run the command again.`
}

class Sources implements OpenedSecretSources {
  constructor(
    readonly mode: SecretStoreMode,
    readonly stores: SecretStore[],
    readonly target: SecretStore,
    readonly writable: SecretStore[],
    readonly keychainUnavailable?: string,
  ) {}

  async list(): Promise<SecretListing[]> {
    const rows: SecretListing[] = []
    for (const store of this.stores)
      for (const name of await store.list()) rows.push({name, store: store.kind, location: store.location})
    // Sorted by name; a name held by several stores keeps lookup order (the first one wins in get).
    return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  async get(name: string): Promise<string | undefined> {
    for (const store of this.stores) {
      const value = await store.get(name)
      if (value !== undefined) return value
    }
    return undefined
  }
}

/**
 * Open the secret stores in lookup order: `.env` files first (explicit beats stored), then the OS keychain
 * and/or the fallback file (or where `options.chain` puts them). `auto` uses the keychain when it answers, and also reads the file (secrets
 * stored while the keychain was away stay visible); when no keychain answers it uses the file and says so
 * once through `onWarning`. `keychain` fails when the keychain does not answer; `file` never touches it.
 * The keychain service is `docker-mcp`, or `$DOCKER_MCP_KEYCHAIN_SERVICE` (tests use their own).
 */
export async function openSecretStores(
  ctx: Context,
  options: OpenSecretStoresOptions = {},
): Promise<OpenedSecretSources> {
  const mode = options.store ?? storeModeFromEnv(ctx.env)
  const chain: SecretSourceSpec[] = [
    ...(options.envFiles ?? []).map((f): SecretSourceSpec => ({
      kind: 'env-file',
      path: path.resolve(ctx.cwd, f),
    })),
    ...(options.chain ?? []),
  ]
  const envStores = new Map<SecretSourceSpec, SecretStore>()
  for (const spec of chain) {
    if (spec.kind !== 'env-file') continue
    try {
      envStores.set(spec, await EnvFileSecretStore.open(spec.path))
    } catch (err) {
      // `--secrets docker-desktop:/run/secrets/mcp_secret:/.env`: the files that exist are the ones to read.
      if (!(err instanceof MissingEnvFileError) || chain.length === 1) throw err
      options.onWarning?.(`secrets file ${spec.path} does not exist: skipped`)
    }
  }
  // The lookup order: the chain, with the store where `docker-desktop` stands (last when it is absent).
  const ordered = (store: SecretStore[]): SecretStore[] => {
    const out: SecretStore[] = []
    for (const spec of chain) {
      if (spec.kind === 'store') out.push(...store.filter((s) => !out.includes(s)))
      else if (envStores.has(spec)) out.push(envStores.get(spec)!)
    }
    return [...out, ...store.filter((s) => !out.includes(s))]
  }

  const file = new FileSecretStore(ctx.paths)
  if (mode === 'file') return new Sources(mode, ordered([file]), file, [file])

  const keychain = new KeychainSecretStore({service: ctx.env.DOCKER_MCP_KEYCHAIN_SERVICE, paths: ctx.paths})
  const reason = await keychain.probe()
  if (mode === 'keychain') {
    if (reason !== undefined)
      throw new KeychainError(`the OS keychain is not available: ${reason}`, {suggestions: keychainHelp()})
    return new Sources(mode, ordered([keychain]), keychain, [keychain])
  }
  if (reason !== undefined) {
    if (options.fullWarnings || ctx.env.DOCKER_MCP_DEBUG)
      options.onWarning?.(fallbackWarning(file.location, `no OS keychain available (${reason})`))
    else if (options.onWarning && (await keychainNoticeDue(ctx)))
      options.onWarning(
        `no OS keychain: secrets are stored in ${file.location} (mode 0600); "docker mcp doctor" says why and how to use a keychain (this notice shows once a day)`,
      )
    return new Sources(mode, ordered([file]), file, [file], reason)
  }
  return new Sources(mode, ordered([keychain, file]), keychain, [keychain, file])
}

/**
 * Store a secret in `sources.target`. In auto mode a keychain that answered the probe but refuses the
 * write (no default collection, value too long for Windows) hands over to the file store, with a warning;
 * a dismissed unlock prompt is the user saying no, and stays an error. After a keychain write, an older
 * copy in the file is removed, so no stale plaintext copy outlives the move to the keychain.
 * Returns the store that now holds the secret.
 */
export async function setSecret(
  sources: OpenedSecretSources,
  name: string,
  value: string,
  onWarning?: (msg: string) => void,
): Promise<SecretStore> {
  assertSecretValueFits(name, value)
  const {target} = sources
  const file = sources.writable.find((s) => s.kind === 'file')
  try {
    await target.set(name, value)
  } catch (err) {
    const canFallBack =
      sources.mode === 'auto' &&
      target.kind === 'keychain' &&
      file !== undefined &&
      err instanceof KeychainError &&
      !/dismissed/i.test(err.message)
    if (!canFallBack) throw err
    onWarning?.(fallbackWarning(file.location, (err as Error).message))
    await file.set(name, value)
    return file
  }
  if (target !== file && file) await file.delete(name)
  return target
}

/**
 * Delete secrets from every writable store of `sources` (never from `.env` files): the names given, or
 * with `all` every secret the stores hold. A name no store holds is an error (naming its position, not
 * the name), raised after the others were removed. Returns what was removed where.
 */
export async function removeSecrets(
  sources: OpenedSecretSources,
  request: {names: readonly string[]; all: boolean},
): Promise<SecretListing[]> {
  const removed: SecretListing[] = []
  if (request.all) {
    for (const store of sources.writable)
      for (const name of await store.list())
        if (await store.delete(name)) removed.push({name, store: store.kind, location: store.location})
    return removed
  }
  const missing: number[] = []
  const seen = new Set<string>()
  for (const [index, name] of request.names.entries()) {
    if (seen.has(name)) continue
    seen.add(name)
    let found = false
    for (const store of sources.writable)
      if (await store.delete(name)) {
        found = true
        removed.push({name, store: store.kind, location: store.location})
      }
    if (!found) missing.push(index + 1)
  }
  if (missing.length > 0) {
    // Unknown names are referred to by position, not repeated: one may be a value typed by mistake.
    const where = sources.writable.map((s) => s.location).join(' or ')
    const what =
      missing.length === 1
        ? `argument ${missing[0]} is not a stored secret`
        : `arguments ${missing.join(', ')} are not stored secrets`
    throw new DockerMcpError(
      `${what} in ${where}${removed.length ? ` (removed: ${removed.map((r) => r.name).join(', ')})` : ''}`,
      {suggestions: ['Run "docker mcp secret ls" to list the secrets that are set']},
    )
  }
  return removed
}

/**
 * The environment a server gets from its declared secrets: exactly the declared ones, each under its
 * declared variable, and nothing else (a server never receives a secret it did not declare). Secrets no
 * store holds are reported by name only, never with a placeholder value.
 */
export async function resolveServerSecrets(
  declared: readonly {name: string; env: string}[],
  sources: SecretSources,
): Promise<{env: Record<string, string>; missing: string[]}> {
  const env: Record<string, string> = {}
  const missing: string[] = []
  for (const {name, env: variable} of declared) {
    const value = await sources.get(name)
    if (value === undefined) {
      if (!missing.includes(name)) missing.push(name)
      continue
    }
    // defineProperty: a variable named "__proto__" must become a key, not the prototype.
    Object.defineProperty(env, variable, {value, enumerable: true, writable: true, configurable: true})
  }
  return {env, missing}
}
