import type {Context} from '../context.js'
import {writeFileAtomic} from '../fs/atomic.js'
import {withFileLock} from '../fs/lock.js'
import {readValidated, type CachedKind} from './file-cache.js'
import type {CatalogIndex, CatalogIndexEntry} from './schema.js'

/** `catalog.json`, with `catalogs` always present. Unknown top-level fields are kept for the next write. */
export interface CatalogIndexData extends CatalogIndex {
  catalogs: Record<string, CatalogIndexEntry>
}

const CATALOG_INDEX: CachedKind<CatalogIndexData> = {
  name: 'catalog-index',
  check: async () => (await import('./validate.js')).catalogIndexData,
}

/**
 * Read `catalog.json`; missing means no catalogs. It is parsed with the YAML parser (JSON is YAML 1.2) so
 * that a syntax error or a duplicate key is reported with its line, like every other file. Served from
 * the file cache when unchanged.
 */
export async function readCatalogIndex(ctx: Context): Promise<CatalogIndexData> {
  return (await readValidated(ctx, ctx.paths.catalogIndex, CATALOG_INDEX)) ?? {catalogs: {}}
}

/** Write `catalog.json` as the original does (2-space JSON), atomically. Callers hold its lock. */
async function writeCatalogIndex(ctx: Context, index: CatalogIndexData): Promise<void> {
  await writeFileAtomic(ctx.paths.catalogIndex, JSON.stringify(index, null, 2) + '\n', {
    privateRoot: ctx.paths.mcpDir,
  })
}

/**
 * Read-modify-write `catalog.json` under its lock: `change` gets the index as it is now (re-read inside
 * the lock, so another command's catalog added meanwhile is kept) and edits it in place; the file is
 * written when the index changed. Catalog files written by `change` are written under the same lock, so
 * an index entry and its file appear together. Slow work (downloads) belongs before, not inside.
 */
export async function updateCatalogIndex<T>(
  ctx: Context,
  change: (index: CatalogIndexData) => Promise<T> | T,
): Promise<T> {
  return withFileLock(ctx.paths.catalogIndex, async () => {
    const index = await readCatalogIndex(ctx)
    const before = JSON.stringify(index)
    const result = await change(index)
    if (JSON.stringify(index) !== before) await writeCatalogIndex(ctx, index)
    return result
  })
}
