import * as z from 'zod'

import {validate, type YamlFile} from '../catalog/yaml-file.js'

/**
 * The schemas of config.yaml and tools.yaml. This module loads zod and the YAML parser: readers import it
 * only when the file cache has no entry for the file; edits import it always.
 */

/** config.yaml: server name → that server's settings (any nesting). */
const configFileSchema = z.record(
  z.string(),
  z.record(z.string(), z.unknown(), {error: 'expected a mapping of settings for this server'}).nullable(),
)

export type ServerConfigMap = Record<string, Record<string, unknown>>

/** Validate a parsed config file; an empty file configures nothing. */
export function checkConfig(y: YamlFile): ServerConfigMap {
  if (y.data === null || y.data === undefined) return {}
  const data = validate(y, configFileSchema, y.data)
  const out: ServerConfigMap = {}
  for (const [k, v] of Object.entries(data)) out[k] = v ?? {}
  return out
}

/**
 * tools.yaml: server → allowed tool names. A server that is absent has all its tools enabled; present
 * with an empty list (or nothing), none.
 */
const toolsFileSchema = z.record(
  z.string(),
  z
    .array(z.union([z.string(), z.number()], {error: 'expected a tool name'}).transform(String), {
      error: 'expected a list of tool names',
    })
    .nullable(),
)

export type ToolsConfig = Record<string, string[]>

/** Validate a parsed tools file; an empty file restricts nothing. */
export function checkTools(y: YamlFile): ToolsConfig {
  if (y.data === null || y.data === undefined) return {}
  const data = validate(y, toolsFileSchema, y.data)
  const out: ToolsConfig = {}
  for (const [k, v] of Object.entries(data)) out[k] = v ?? []
  return out
}
