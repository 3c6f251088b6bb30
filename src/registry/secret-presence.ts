import {NO_SECRETS, type SecretPresence} from '../catalog/status.js'
import type {Context} from '../context.js'

type Listing = Array<{name: string} | string>

function fromNames(names: Iterable<string>): SecretPresence {
  const set = new Set(names)
  return {has: async (name) => set.has(name)}
}

async function presenceOf(store: unknown): Promise<SecretPresence | undefined> {
  if (!store || typeof store !== 'object') return undefined
  const s = store as {list?: () => Promise<Listing>; has?: (n: string) => Promise<boolean>}
  if (typeof s.list === 'function') {
    const listed = await s.list()
    return fromNames(listed.map((x) => (typeof x === 'string' ? x : x.name)))
  }
  if (typeof s.has === 'function') return {has: (n) => s.has!(n)}
  if (Array.isArray(store)) {
    const parts = (await Promise.all(store.map(presenceOf))).filter((p): p is SecretPresence => Boolean(p))
    if (parts.length === 0) return undefined
    return {has: async (n) => (await Promise.all(parts.map((p) => p.has(n)))).some(Boolean)}
  }
  return undefined
}

/**
 * Which secrets are set, for status displays. The secret store lives in src/secrets (another module);
 * it is loaded lazily so that listing servers does not pay for a keychain unless there are secrets to
 * check, and so this module builds before src/secrets exists. Without a store every secret reads as
 * missing and a warning says why.
 */
export async function openSecretPresence(
  ctx: Context,
): Promise<{presence: SecretPresence; warning?: string}> {
  // A variable specifier: the module is optional at build time (see the doc comment).
  const specifier = '../secrets/index.js'
  let mod: {openSecretStores?: (ctx: Context) => Promise<unknown>}
  try {
    mod = (await import(specifier)) as typeof mod
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ERR_MODULE_NOT_FOUND' && /secrets[\\/]index/.test((err as Error).message))
      return {presence: NO_SECRETS, warning: 'no secret store is available: secrets are shown as not set'}
    throw err
  }
  if (typeof mod.openSecretStores !== 'function')
    return {presence: NO_SECRETS, warning: 'no secret store is available: secrets are shown as not set'}
  try {
    const presence = await presenceOf(await mod.openSecretStores(ctx))
    if (presence) return {presence}
    return {
      presence: NO_SECRETS,
      warning: 'the secret store cannot list secrets: secrets are shown as not set',
    }
  } catch (err) {
    return {
      presence: NO_SECRETS,
      warning: `could not read the secret store (${(err as Error).message}): secrets are shown as not set`,
    }
  }
}
