import type {Context} from '../context.js'
import {writeFileAtomic} from '../fs/atomic.js'
import {catalogIndexSchema, type CatalogIndex, type CatalogIndexEntry} from './schema.js'
import {readYamlFile, validate} from './yaml-file.js'

/** `catalog.json`, with `catalogs` always present. Unknown top-level fields are kept for the next write. */
export interface CatalogIndexData extends CatalogIndex {
  catalogs: Record<string, CatalogIndexEntry>
}

/**
 * Read `catalog.json`; missing means no catalogs. It is parsed with the YAML parser (JSON is YAML 1.2) so
 * that a syntax error or a duplicate key is reported with its line, like every other file.
 */
export async function readCatalogIndex(ctx: Context): Promise<CatalogIndexData> {
  const file = ctx.paths.catalogIndex
  const y = await readYamlFile(file)
  if (!y || y.data === null || y.data === undefined) return {catalogs: {}}
  const data = validate(y, catalogIndexSchema, y.data)
  return {...data, catalogs: {...(data.catalogs ?? {})}}
}

/** Write `catalog.json` as the original does (2-space JSON), atomically. */
export async function writeCatalogIndex(ctx: Context, index: CatalogIndexData): Promise<void> {
  await writeFileAtomic(ctx.paths.catalogIndex, JSON.stringify(index, null, 2) + '\n')
}
