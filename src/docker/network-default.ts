/**
 * The user's choice of network default for servers whose catalog entry declares nothing (see `wantsNetwork`
 * in container-spec.ts): the original's default (a network), or strict (none unless declared). Set per run
 * with `gateway run --network-default none|bridge`, or for every run with the `strict-network` feature in
 * Docker's config.json (`"features": {"strict-network": "enabled"}`, the map where the original keeps its
 * gateway feature flags), which means `--network-default none`. The flag wins over the file.
 */
import {readFile} from 'node:fs/promises'

import {FileFormatError} from '../errors.js'
import type {McpPaths} from '../paths.js'

/** The feature name in config.json's `features` map. */
export const STRICT_NETWORK_FEATURE = 'strict-network'

/** Where the strict setting came from, for logs and `doctor`. */
export interface NetworkDefault {
  strict: boolean
  source: 'flag' | 'config' | 'default'
}

/** A feature value as the docker CLI writes them (`enabled`/`disabled`), or a boolean-ish string. */
function featureOn(file: string, value: unknown): boolean {
  if (value === true) return true
  if (value === false || value === undefined || value === null) return false
  const v = String(value).trim().toLowerCase()
  if (['enabled', 'true', '1', 'on'].includes(v)) return true
  if (['disabled', 'false', '0', 'off', ''].includes(v)) return false
  throw new FileFormatError(
    file,
    `features.${STRICT_NETWORK_FEATURE}: "${String(value)}" is neither "enabled" nor "disabled"`,
  )
}

/** The `strict-network` feature of config.json: false when the file or the key is absent. */
export async function strictNetworkFeature(paths: Pick<McpPaths, 'dockerConfigFile'>): Promise<boolean> {
  const file = paths.dockerConfigFile
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return false
    throw err
  }
  if (!text.trim()) return false
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new FileFormatError(file, `invalid JSON: ${(err as Error).message}`)
  }
  const features = (parsed as {features?: unknown} | null)?.features
  if (features === undefined || features === null) return false
  if (typeof features !== 'object' || Array.isArray(features))
    throw new FileFormatError(file, 'features: expected an object of "name": "enabled|disabled"')
  return featureOn(file, (features as Record<string, unknown>)[STRICT_NETWORK_FEATURE])
}

/** `--network-default` values: `bridge` (the original's default, a network) or `none` (strict). */
export const NETWORK_DEFAULTS = ['bridge', 'none'] as const

/** The effective setting: the flag if given, else config.json, else the original's default (not strict). */
export async function resolveNetworkDefault(
  paths: Pick<McpPaths, 'dockerConfigFile'>,
  flag: string | undefined,
): Promise<NetworkDefault> {
  if (flag !== undefined) return {strict: flag === 'none', source: 'flag'}
  if (await strictNetworkFeature(paths)) return {strict: true, source: 'config'}
  return {strict: false, source: 'default'}
}
