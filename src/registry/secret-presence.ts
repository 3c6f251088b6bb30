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
 * Which secrets are set, for status displays. The secret store is loaded lazily so that listing servers
 * does not pay for a keychain round trip unless there are secrets to check. If the store cannot be read,
 * every secret reads as missing and a warning says why.
 */
export async function openSecretPresence(
  ctx: Context,
): Promise<{presence: SecretPresence; warning?: string}> {
  try {
    const {openSecretStores} = await import('../secrets/index.js')
    const presence = await presenceOf(await openSecretStores(ctx))
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

/**
 * Like `openSecretPresence`, but the store is opened only when a secret is actually looked up: listing
 * servers that declare no secret never pays for a keychain round trip.
 */
export function lazySecretPresence(ctx: Context): {presence: SecretPresence; warning(): string | undefined} {
  let opened: Promise<{presence: SecretPresence; warning?: string}> | undefined
  let warning: string | undefined
  const open = () => {
    opened ??= openSecretPresence(ctx).then((r) => {
      warning = r.warning
      return r
    })
    return opened
  }
  return {presence: {has: async (name) => (await open()).presence.has(name)}, warning: () => warning}
}
