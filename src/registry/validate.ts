import * as z from 'zod'

import {validate, type YamlFile} from '../catalog/yaml-file.js'

/**
 * registry.yaml's schema. This module loads zod and the YAML parser: readers import it only when the
 * file cache has no entry for the file; edits import it always.
 */

/**
 * registry.yaml: the enabled servers. `registry: {<name>: {ref: ""}}`, as the original writes it; a
 * `config:` under an entry is tolerated (the original once kept config there) but config.yaml rules.
 */
export const registrySchema = z.looseObject({
  registry: z.record(z.string(), z.looseObject({ref: z.string().nullish()}).nullable()).nullish(),
})

/** The server names of a parsed registry file, in file order; an empty file enables nothing. */
export function registryNames(y: YamlFile): string[] {
  if (y.data === null || y.data === undefined) return []
  return Object.keys(validate(y, registrySchema, y.data).registry ?? {})
}
