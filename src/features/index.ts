import fs from 'node:fs/promises'

import type {Context} from '../context.js'
import {setJsonEntry, parseJsonConfig} from '../clients/edit/json.js'
import {DockerMcpError, FileFormatError} from '../errors.js'
import {readTextIfExists, writeFileAtomic} from '../fs/atomic.js'
import {withFileLock} from '../fs/lock.js'
import {closestMatches} from '../text/suggest.js'

/**
 * `docker mcp feature`: the `features` map of Docker's `~/.docker/config.json` (`"<name>": "enabled"` or
 * `"disabled"`), shared with Docker's own plugin, so a switch made with either is seen by both. Only the
 * one key is ever written; every other byte of config.json stays as it was.
 */

export interface FeatureDef {
  name: string
  /** State when config.json does not mention it (Docker's defaults). */
  default: boolean
  description: string
  /** Whether this docker mcp acts on it; when not, `note` says so honestly. */
  supported: boolean
  note?: string
}

/** The features Docker's plugin knows, in its order, and what ours does with each. */
export const FEATURES: readonly FeatureDef[] = [
  {
    name: 'oauth-interceptor',
    default: false,
    description: 'Enable GitHub OAuth flow interception for automatic authentication',
    supported: false,
    note: 'not built yet: recorded, the gateway does not intercept OAuth errors',
  },
  {
    name: 'mcp-oauth-dcr',
    default: true,
    description: 'Enable Dynamic Client Registration (DCR) for automatic OAuth client setup',
    supported: true,
    note: 'oauth authorize registers a public client dynamically (RFC 7591) when the provider allows it; off: only clients from oauth register',
  },
  {
    name: 'dynamic-tools',
    default: true,
    description: 'Enable internal MCP management tools (mcp-find, mcp-add, mcp-remove)',
    supported: true,
  },
  {
    name: 'tool-name-prefix',
    default: false,
    description:
      'Prefix all tool names with server name to avoid conflicts (as gateway run --tool-name-prefix)',
    supported: true,
  },
  {
    name: 'strict-network',
    default: false,
    description:
      'Ours: servers whose catalog entry declares no network get none (as gateway run --network-default none)',
    supported: true,
  },
  {
    name: 'use-embeddings',
    default: false,
    description: 'Enable vector similarity search for find-tools (requires OPENAI_API_KEY)',
    supported: false,
    note: 'not built yet: recorded, there is no find-tools',
  },
  {
    name: 'profiles',
    default: false,
    description: 'Enable profile management tools (docker mcp profile <subcommand>)',
    supported: true,
    note: 'profiles are always on here, as in the original since v0.42 (docker mcp profile, gateway run --profile); the value is recorded',
  },
]

export interface FeatureState extends FeatureDef {
  enabled: boolean
  /** The value config.json holds, when it holds one. */
  configured?: string
}

export interface FeatureListing {
  file: string
  features: FeatureState[]
  /** Keys of `features` that no known feature has, with their values. */
  unknown: Array<{name: string; value: string}>
}

/** A stored value as Docker's plugin reads it: `enabled`/`disabled`, else a Go-style boolean. */
export function featureValue(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (value === 'enabled') return true
  if (value === 'disabled') return false
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true
  return false
}

/** The last parse of each config.json, with the file's identity then: a gateway start asks several times. */
const parsed = new Map<string, {stamp: string; map: Promise<Record<string, string>>}>()

/**
 * The `features` map of config.json (empty when the file or the key is missing). Bad JSON throws with its
 * line. Parsed once per version of the file (its size, mtime and inode: an atomic write changes them).
 */
export async function readFeatureMap(file: string): Promise<Record<string, string>> {
  const stat = await fs.stat(file, {bigint: true}).catch(() => undefined)
  const stamp = stat ? `${stat.ino}:${stat.size}:${stat.mtimeNs}` : 'absent'
  const known = parsed.get(file)
  if (known?.stamp === stamp) return {...(await known.map)}
  const map = parseFeatureMap(file)
  parsed.set(file, {stamp, map})
  map.catch(() => parsed.delete(file))
  return {...(await map)}
}

async function parseFeatureMap(file: string): Promise<Record<string, string>> {
  const text = await readTextIfExists(file)
  if (text === undefined) return {}
  const {data, body, root} = parseJsonConfig(file, text, true)
  const features = data?.features
  if (features === undefined || features === null) return {}
  if (typeof features !== 'object' || Array.isArray(features)) {
    const node = root?.children?.find((p) => p.children?.[0]?.value === 'features')
    const line = node ? body.slice(0, node.offset).split('\n').length : undefined
    throw new FileFormatError(
      file,
      '"features" should be an object of "name": "enabled"|"disabled"',
      line ? {line} : undefined,
      {
        suggestions: [`Fix "features" in ${file} by hand; nothing was changed.`],
      },
    )
  }
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(features as Record<string, unknown>))
    out[name] = typeof value === 'string' ? value : JSON.stringify(value)
  return out
}

/** Every known feature with its state, and the unknown keys config.json holds. */
export async function listFeatures(ctx: Context): Promise<FeatureListing> {
  const file = ctx.paths.dockerConfigFile
  const map = await readFeatureMap(file)
  const features = FEATURES.map((def) => ({
    ...def,
    enabled: featureValue(map[def.name], def.default),
    ...(Object.hasOwn(map, def.name) ? {configured: map[def.name]} : {}),
  }))
  const unknown = Object.keys(map)
    .filter((name) => !FEATURES.some((f) => f.name === name))
    .sort()
    .map((name) => ({name, value: map[name]!}))
  return {file, features, unknown}
}

/**
 * Is `name` on? For the gateway: a config.json it cannot read is the defaults, with a warning (the Docker
 * CLI reports a broken config.json itself; the gateway of an MCP client should still start).
 */
export async function isFeatureEnabled(
  ctx: Context,
  name: string,
  onWarning: (message: string) => void = () => {},
): Promise<boolean> {
  const def = FEATURES.find((f) => f.name === name)
  try {
    const map = await readFeatureMap(ctx.paths.dockerConfigFile)
    return featureValue(map[name], def?.default ?? false)
  } catch (err) {
    onWarning(`features: ${(err as Error).message.split('\n')[0]}; using the defaults`)
    return def?.default ?? false
  }
}

function knownFeature(name: string): FeatureDef {
  const def = FEATURES.find((f) => f.name === name)
  if (def) return def
  const names = FEATURES.map((f) => f.name)
  throw new DockerMcpError(`unknown feature: ${name}`, {
    suggestions: [
      ...closestMatches(name, names, 1).map((c) => `did you mean "${c}"?`),
      `Available features: ${names.join(', ')}`,
    ],
  })
}

/**
 * `feature enable|disable`: write `"<name>": "enabled"|"disabled"` into config.json's `features`, under a
 * lock and atomically; nothing else in the file changes. A config.json that is not valid JSON is left
 * alone, and the error names its line.
 */
export async function setFeature(ctx: Context, name: string, enabled: boolean): Promise<FeatureState> {
  const def = knownFeature(name)
  const file = ctx.paths.dockerConfigFile
  const value = enabled ? 'enabled' : 'disabled'
  await withFileLock(file, async () => {
    await readFeatureMap(file).catch((err: unknown) => {
      if (!(err instanceof FileFormatError)) throw err
      throw new FileFormatError(err.file, `${err.detail}; it was left unchanged`, err.position, {
        suggestions: [
          ...err.suggestions,
          'Fix it by hand (the Docker CLI cannot read it either), then run the command again.',
        ],
      })
    })
    const text = (await readTextIfExists(file)) ?? ''
    const out = setJsonEntry(file, text, ['features'], name, value, {strict: true})
    // Docker writes config.json 0600: it may hold registry credentials.
    if (out !== text) await writeFileAtomic(file, out, {mode: 0o600})
  })
  return {...def, enabled, configured: value}
}
