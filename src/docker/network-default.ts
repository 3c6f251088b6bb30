/**
 * The user's choice of network default for servers whose catalog entry declares nothing (see `wantsNetwork`
 * in container-spec.ts): the original's default (a network), or strict (none unless declared). Set per run
 * with `gateway run --network-default none|bridge`, or for every run with the `strict-network` feature in
 * Docker's config.json (`"features": {"strict-network": "enabled"}`, the map where the original keeps its
 * gateway feature flags), which means `--network-default none`. The flag wins over the file.
 */
import {FileFormatError} from '../errors.js'
import {readFeatureMap} from '../features/index.js'
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

/**
 * The `strict-network` feature of config.json: false when the file or the key is absent. A value that is
 * neither on nor off, or a config.json that cannot be read, is an error: the user asked for more
 * protection, and running without it would be the wrong guess.
 */
export async function strictNetworkFeature(paths: Pick<McpPaths, 'dockerConfigFile'>): Promise<boolean> {
  const features = await readFeatureMap(paths.dockerConfigFile)
  return featureOn(paths.dockerConfigFile, features[STRICT_NETWORK_FEATURE])
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
